import pytest

from tests.factories import ArticleFactory, PurchaseFactory, UserFactory


@pytest.mark.django_db
def test_factories_build_linked_rows():
    purchase = PurchaseFactory(article=ArticleFactory(prod_name="Tilly top", colour_group_name="Red"))
    assert purchase.article.slug == "tilly-top-red"
    assert purchase.customer.purchases.count() == 1


@pytest.mark.django_db
def test_user_factory_sets_a_usable_password():
    user = UserFactory()
    assert user.check_password("correct-horse-battery")
