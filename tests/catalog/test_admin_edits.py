"""Editing articles in the admin keeps what the shop derives from them (search, URLs, cache) current."""

import html
import re
import threading

import pytest
from django.db import connections

from catalog.categories import category_tree
from catalog.importer.schema import ARTICLES
from catalog.models import Article
from tests.catalog.admin_forms import CHANGELIST, form_data, save
from tests.factories import ArticleFactory, UserFactory
from tests.test_db_locks import other_connection

pytestmark = pytest.mark.django_db


def test_renaming_an_article_refreshes_its_search_document_and_its_slug(
    client, staff_client, searchable, django_capture_on_commit_callbacks
):
    article = ArticleFactory(prod_name="Tilly top")
    searchable()
    old_url = article.get_absolute_url()
    change = f"{CHANGELIST}{article.article_id}/change/"

    save(
        staff_client,
        change,
        form_data(article, prod_name="Halter neck top"),
        django_capture_on_commit_callbacks,
    )

    article.refresh_from_db()
    assert article.slug == "halter-neck-top-black"
    assert [a.pk for a in Article.objects.filter(search_vector="halter")] == [article.pk]
    assert not Article.objects.filter(search_vector="tilly").exists()
    assert article.get_absolute_url() in client.get("/search/", {"q": "halter"}).text
    # Old links still lead to it.
    response = client.get(old_url)
    assert (response.status_code, response.url) == (301, article.get_absolute_url())


def test_an_article_added_by_hand_is_found_by_search(
    client, staff_client, django_capture_on_commit_callbacks
):
    new = ArticleFactory.build(article_id=912345001, prod_name="Linen shirt", colour_group_name="White")

    save(staff_client, f"{CHANGELIST}add/", form_data(new), django_capture_on_commit_callbacks)

    article = Article.objects.get(article_id=912345001)
    assert article.slug == "linen-shirt-white"
    assert article.search_vector is not None
    assert article.get_absolute_url() in client.get("/search/", {"q": "linen"}).text
    assert client.get(article.get_absolute_url()).status_code == 200


def test_a_colour_added_by_hand_is_priced_as_its_sold_colours_and_leaves_them_alone(
    client, staff_client, django_capture_on_commit_callbacks
):
    # Their median, 0.03, is not their mean.
    ArticleFactory(product_code=912345, price=0.01)
    ArticleFactory(product_code=912345, price=0.03)
    ArticleFactory(product_code=912345, price=0.09)
    unsold = ArticleFactory(product_code=912345, price=None, first_sold_on=None)
    new = ArticleFactory.build(
        article_id=912345009, product_code=912345, prod_name="Linen shirt", colour_group_name="White"
    )

    save(staff_client, f"{CHANGELIST}add/", form_data(new), django_capture_on_commit_callbacks)

    article = Article.objects.get(article_id=912345009)
    assert (article.price, article.first_sold_on) == (pytest.approx(0.03), None)
    assert "€30.00" in html.unescape(client.get(article.get_absolute_url()).text)
    unsold.refresh_from_db()
    assert unsold.price is None  # refreshed by the next import, as the rest of the statistics


def test_changing_other_fields_keeps_the_slug(staff_client, django_capture_on_commit_callbacks):
    article = ArticleFactory(prod_name="Strap top", slug="kept-as-imported")

    save(
        staff_client,
        f"{CHANGELIST}{article.article_id}/change/",
        form_data(article, detail_desc="Now in organic cotton."),
        django_capture_on_commit_callbacks,
    )

    article.refresh_from_db()
    assert (article.slug, article.detail_desc) == ("kept-as-imported", "Now in organic cotton.")


def test_a_renamed_section_is_browsable_at_its_new_url_at_once(
    client, staff_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory(section_name="Womens Everyday Basics")
    assert client.get("/c/ladieswear/womens-everyday-basics/").status_code == 200  # the tree is cached

    save(
        staff_client,
        f"{CHANGELIST}{article.article_id}/change/",
        form_data(article, section_name="Womens Essentials"),
        django_capture_on_commit_callbacks,
    )

    assert client.get("/c/ladieswear/womens-essentials/").status_code == 200
    assert client.get("/c/ladieswear/womens-everyday-basics/").status_code == 404


def test_a_form_opened_before_a_colleague_saved_is_refused_and_undoes_nothing(
    staff_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory(prod_name="Tilly top", detail_desc="Jersey.")
    change = f"{CHANGELIST}{article.article_id}/change/"
    opened_by_second = staff_client.get(change).context["adminform"].form.initial
    save(staff_client, change, form_data(article, prod_name="Halter top"), django_capture_on_commit_callbacks)
    article.refresh_from_db()

    stale = {name: value for name, value in opened_by_second.items() if value is not None}
    response = staff_client.post(change, {**stale, "detail_desc": "Organic jersey.", "is_available": "on"})

    assert response.status_code == 200
    assert "Someone else changed this article" in " ".join(
        response.context["adminform"].form.non_field_errors()
    )
    article.refresh_from_db()
    assert (article.prod_name, article.detail_desc) == ("Halter top", "Jersey.")
    # Opened again, the form saves.
    save(
        staff_client,
        change,
        form_data(article, detail_desc="Organic jersey."),
        django_capture_on_commit_callbacks,
    )
    article.refresh_from_db()
    assert (article.prod_name, article.detail_desc) == ("Halter top", "Organic jersey.")


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_a_colleagues_waits_for_it_and_is_refused(client):
    """Both forms were opened on the same row: the check must see the colleague's save even when
    it commits while this one is being checked (a plain read would see the old row and pass)."""
    article = ArticleFactory(prod_name="Tilly top", detail_desc="Jersey.")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = f"{CHANGELIST}{article.article_id}/change/"
    answers = []

    def save_stale_form():
        try:
            answers.append(client.post(change, form_data(article, detail_desc="Organic jersey.")))
        finally:
            connections.close_all()

    with other_connection() as colleague:
        colleague.execute(
            "UPDATE catalog_article SET prod_name = 'Halter top' WHERE article_id = %s", [article.pk]
        )
        saving = threading.Thread(target=save_stale_form)
        saving.start()
        saving.join(timeout=1)
        assert saving.is_alive()  # waiting for the colleague's row
        colleague.commit()
    saving.join()

    assert answers[0].status_code == 200
    article.refresh_from_db()
    assert (article.prod_name, article.detail_desc) == ("Halter top", "Jersey.")


@pytest.mark.parametrize("bulk", [False, True])
def test_deleting_articles_clears_the_cached_tree(staff_client, bulk, django_capture_on_commit_callbacks):
    kept, deleted = ArticleFactory(), ArticleFactory(index_group_name="Menswear")
    assert sorted(category_tree()) == ["ladieswear", "menswear"]

    with django_capture_on_commit_callbacks(execute=True):
        if bulk:
            staff_client.post(
                CHANGELIST,
                {"action": "delete_selected", "_selected_action": [deleted.pk], "post": "yes"},
            )
        else:
            staff_client.post(f"{CHANGELIST}{deleted.pk}/delete/", {"post": "yes"})

    assert list(Article.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(category_tree()) == ["ladieswear"]


def test_the_article_id_cannot_be_changed_once_saved(staff_client, django_capture_on_commit_callbacks):
    article = ArticleFactory(prod_name="Tilly top")
    change = f"{CHANGELIST}{article.article_id}/change/"
    assert 'name="article_id"' not in staff_client.get(change).text

    save(staff_client, change, form_data(article, article_id=912345002), django_capture_on_commit_callbacks)

    assert list(Article.objects.values_list("article_id", flat=True)) == [article.article_id]


@pytest.mark.parametrize("article_id", [0, -108775015, 10_000_000_000])
def test_an_id_no_product_url_can_route_is_refused(staff_client, article_id):
    new = ArticleFactory.build(article_id=article_id)

    response = staff_client.post(f"{CHANGELIST}add/", form_data(new))

    assert response.status_code == 200
    assert "article_id" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_the_longest_routable_id_is_accepted(client, staff_client, django_capture_on_commit_callbacks):
    new = ArticleFactory.build(article_id=9_999_999_999)

    save(staff_client, f"{CHANGELIST}add/", form_data(new), django_capture_on_commit_callbacks)

    assert client.get("/p/9999999999/").status_code == 301


def import_note(page):
    note = re.search(r'<p class="help" id="import-overwrites">(.*?)</p>', page.text, re.S)
    return note and " ".join(note.group(1).split())


def test_the_form_warns_which_import_overwrites_its_fields(staff_client):
    # The README said so; staff editing a colour or a photo learnt it when the import undid it.
    article = ArticleFactory()
    response = staff_client.get(f"{CHANGELIST}{article.article_id}/change/")
    note = import_note(response)
    assert note is not None
    # An import of customers.csv or transactions alone leaves articles as they are.
    assert "An <code>import_hm</code> that includes <code>articles.csv</code> overwrites" in note
    assert "every field here but <strong>On sale</strong>" in note
    assert "one that includes a photo for it in <code>images/</code> replaces" in note
    # What the note claims: every field of the form is a column of articles.csv, but these.
    form_fields = set(response.context["adminform"].form.fields)
    assert form_fields - {column.field for column in ARTICLES.columns} == {
        "is_available",  # On sale
        "photo",  # New photo: images/ replaces it
        "opened_version",  # hidden: the edit-conflict check
    }


def test_adding_an_article_warns_of_no_import(staff_client):
    # An article staff add is usually in no articles.csv, which then leaves it alone.
    response = staff_client.get(f"{CHANGELIST}add/")
    assert response.status_code == 200
    assert import_note(response) is None
