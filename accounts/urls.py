from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import JavaScriptCatalog

from accounts.forms import LoginForm
from accounts.views import account, passkeys, passwords, people, signins, tokens, two_factor

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            redirect_authenticated_user=True,
            authentication_form=LoginForm,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/code/", two_factor.two_factor_verify, name="two_factor_verify"),
    # The code step's passkey: django-otp-webauthn's script asks for a challenge, then sends the answer.
    path("login/passkey/begin/", passkeys.PasskeyVerifyBegin.as_view(), name="passkey_verify_begin"),
    path("login/passkey/complete/", passkeys.PasskeyVerifyComplete.as_view(), name="passkey_verify_complete"),
    # The script's words (its gettext() calls), from the package's translations.
    path(
        "passkeys/messages.js",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="passkey_messages",
    ),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url="/accounts/password/done/"
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("password/reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", passwords.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("invitation/<uidb64>/<token>/", passwords.InvitationAcceptView.as_view(), name="invitation_accept"),
    # The person's own account: two-factor sign-in and sessions.
    path("account/", account.account, name="account"),
    path("account/two-factor/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/off/", two_factor.two_factor_disable, name="two_factor_disable"),
    path("account/recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path("account/passkeys/add/", passkeys.passkey_add, name="passkey_add"),
    path(
        "account/passkeys/add/begin/", passkeys.PasskeyRegisterBegin.as_view(), name="passkey_register_begin"
    ),
    path(
        "account/passkeys/add/complete/",
        passkeys.PasskeyRegisterComplete.as_view(),
        name="passkey_register_complete",
    ),
    path("account/passkeys/<int:pk>/remove/", passkeys.passkey_remove_view, name="passkey_remove"),
    path("account/sessions/sign-out-others/", account.sessions_end_others, name="sessions_end_others"),
    path("account/sessions/<int:pk>/sign-out/", account.session_end, name="session_end"),
    path("tokens/", tokens.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", tokens.api_token_revoke_view, name="api_token_revoke"),
    # People and the sign-in log (superadmins).
    path("people/", people.people, name="people"),
    path("people/invite/", people.person_invite_view, name="person_invite"),
    path("people/<int:pk>/", people.person, name="person"),
    path("people/<int:pk>/role/", people.person_role, name="person_role"),
    path("people/<int:pk>/deactivate/", people.person_deactivate_view, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", people.person_reactivate_view, name="person_reactivate"),
    path("people/<int:pk>/two-factor-reset/", people.person_two_factor_reset, name="person_two_factor_reset"),
    path(
        "people/<int:pk>/invitation/", people.person_invitation_resend_view, name="person_invitation_resend"
    ),
    path("sign-ins/", signins.sign_in_log, name="sign_in_log"),
]
