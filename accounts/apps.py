from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # However a password changes (account page, admin, changepassword, reset), its tokens end.
        from accounts import password_changes

        password_changes.install()
