"""Transaction monitoring (issue 17): rules over the day's postings, alerts, cases, the FIU-NL export.

DESIGN.md lists monitoring under ``compliance/``, but it is a package of its own on its own floor.
``bank.compliance`` sits on the floor just above ``members`` because the rest of the bank asks it
(``compliance.gate.require_clear``) before an account opens or money leaves: savings, loans and
payments import it, so it may import none of them. Monitoring is the other way round: it reads
what those features booked (the ledger's postings on the members' deposit accounts, the payment
orders going out, the clearing bank's statement lines coming in) and it runs as a job of the
close day (:mod:`bank.day`), through the run framework (:mod:`bank.runs`). So it sits high, just
below the run day and the adapters, and nothing below it imports it. Nothing in the bank asks it
for a verdict either: an alert or a case must never stop or change what a member sees, since the
member may not be told (tipping-off, Wwft art. 23).

- :mod:`.models`: the rules' thresholds, alerts with the transactions behind them, cases, notes;
- :mod:`.rules`: the five rules, each one set-based query over a window of postings;
- :mod:`.service`: the officer's verbs (thresholds, dismiss, open a case, note, decide, export);
- :mod:`.queries`: the queue and the pages' reads; :mod:`.jobs`: the close-day job;
- :mod:`.goaml`: the unusual-transaction report as goAML-shaped XML for the FIU-NL portal;
- :mod:`.countries`: the EU list of high-risk third countries as data.
"""
