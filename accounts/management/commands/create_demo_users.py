"""`python manage.py create_demo_users`: demo logins (staff + shoppers), printed. DEMO ONLY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.demo_users import demo_users_ensure
from storefront.migration_state import refuse_unmigrated_database


class Command(BaseCommand):
    help = (
        "DEMO ONLY: create (or reset) a staff login and a few shopper logins linked to the customers with "
        "the longest purchase histories, with fixed passwords, and print them. Never run on a real shop."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unmigrated_database()
        logins = demo_users_ensure()
        self.stdout.write("Demo logins (demo only: fixed passwords, never use on a real shop):")
        for login in logins:
            if login.staff:
                self.stdout.write(f"  staff    {login.username} / {login.password}  (admin at /admin/)")
            else:
                self.stdout.write(
                    f"  shopper  {login.username} / {login.password}  customer {login.customer_id[:12]}… "
                    f"({login.purchases} purchases, mostly {login.favourite_group or 'nothing yet'})"
                )
        if len(logins) == 1:
            self.stdout.write(
                "  (no shopper logins: import purchases first, e.g. `manage.py import_hm DATA_DIR`)"
            )
