"""Loan-loss provisions (expected credit loss, issue 16): the PD table, staging, the month-end run.

Each month-end every loan on the books is staged (``calculator.stage_of``) and its expected loss
computed from its exposure (the loan's three ledger accounts), the probability of default of its
risk grade and stage (``models.PdTable``, set by the admin with an effective date) and the loss
given default from the collateral register (``cover``). The run stores the results per loan and
posts only the change of the allowance (1190). It reads loans, applications (the credit
officer's risk grade), pools (what a first-loss buffer would carry) and the collateral register,
and the write-off (``bank.lending.write_off``) uses the allowance it holds for a loan, so it
sits above those and below lending (DEVELOPERS.md, "Floors").
"""
