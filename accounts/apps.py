from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from accounts import navigation, receivers, roles  # noqa: F401 - receivers connect on import

        roles.grant(roles.ACCOUNTS_GRANTS)
        navigation.register(*navigation.ACCOUNTS_NAVIGATION)
