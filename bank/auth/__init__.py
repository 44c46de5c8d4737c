"""Users, passwords, roles and log-in rules (L2). No Flask: the web layer wraps it."""
