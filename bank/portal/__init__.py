"""The member portal's own domain (L3): invitations, password resets, member TOTP, profile
changes that wait for staff, and the member's data export. Reads for the portal pages live in
:mod:`bank.portal.queries` and always start from the logged-in member."""
