"""Accounts pages, one module per area: sign-in and its second factor, the person's own account
(sessions, two-factor), password reset and invitations, people (superadmins), the sign-in log, and
API tokens."""
