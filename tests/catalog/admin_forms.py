"""Posting the admin's article form as a browser would, from an article's current values."""

from django.forms.models import model_to_dict

CHANGELIST = "/admin/catalog/article/"
# What the change form does not submit: read-only or derived.
NOT_IN_FORM = {
    "slug",
    "search_vector",
    "image_sha256",
    "price",
    "first_sold_on",
    "popularity",
    "image",
    "image_thumbnail",
    "image_width",
    "image_height",
}


def form_data(article, **changes):
    data = {
        name: "" if value is None else value
        for name, value in model_to_dict(article).items()
        if name not in NOT_IN_FORM
    }
    data["is_available"] = "on" if data.get("is_available") else ""
    if not article._state.adding:
        # As the change form was opened on `article` (catalog.forms.ArticleAdminForm.clean).
        data["opened_version"] = article.edit_version()
    return {**data, **changes}


def save(client, url, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response
