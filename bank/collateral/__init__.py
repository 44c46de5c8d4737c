"""The collateral register (issue 16): mortgages, pledges, guarantees and cover on applications and loans."""
