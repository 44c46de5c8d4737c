"""The loan committee (L3): meetings and agendas, conflicts of interest, votes, the chair's decision.

``service`` writes, ``queries`` reads (the member's work queue, the meetings and their agendas),
``letters`` renders the decision letters. The committee decides applications, so it sits a
floor above ``bank.applications``, which knows no committee.
"""
