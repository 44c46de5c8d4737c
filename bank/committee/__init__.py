"""The loan committee (L3): meetings and agendas, conflicts of interest, votes, the chair's decision."""
