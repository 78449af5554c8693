"""Writes on accounts, one module per area: API tokens, people (invite, role, deactivate), two-factor
devices, sessions, and the sign-in log. The token functions are named here as they were before the
package was split, for the API and the commands that import them."""

from accounts.services.tokens import (
    api_token_create,
    api_token_record_use,
    api_token_revoke,
    parse_scopes,
    token_digest,
)

__all__ = ["api_token_create", "api_token_record_use", "api_token_revoke", "parse_scopes", "token_digest"]
