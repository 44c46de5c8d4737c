"""Notifications (L3): every message to a member is written to the outbox, then sent by SMTP if configured."""
