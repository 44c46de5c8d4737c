"""The run framework (issue 5) that every feature's job reports to.

``bank.runs.models`` holds the ``runs`` record and its shortfalls, ``bank.runs.lock`` the lock that
keeps two runs from working at once, ``bank.runs.batches`` how a job commits batch by batch,
``bank.runs.record`` a run's life (started, finished, failed, interrupted) and ``bank.runs.service``
the shortfall rows the repayment run hands over. The jobs themselves are their features'
(``bank.loans.jobs``, ``bank.savings.jobs``, ``bank.applications.jobs``, ``bank.pools.jobs``,
``bank.statements.jobs``); ``bank.day`` composes them into close day and catch-up.
"""
