"""Arrears follow-up (issue 16): the reminder ladder, reminder letters and collection cases."""
