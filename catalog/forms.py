"""The admin's article form: a photo upload instead of paths typed by hand, and no lost edits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from catalog.importer.image_files import THUMBNAIL_WIDTH
from catalog.models import Article
from storefront.photo_checks import UploadRejected, checked_photo, read_limited

STALE_FORM = (
    "Someone else changed this article after you opened it, and nothing of yours was saved "
    "(saving would have put back what they changed). Open the article again to see their changes, "
    "then make yours."
)


class ArticleAdminForm(forms.ModelForm):
    photo = forms.FileField(
        required=False,
        label="New photo",
        help_text="JPEG, PNG or WebP. Replaces the photo, its thumbnail, size and fingerprint.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # The article's edit_version when the form was opened, posted back with it.
    opened_version = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Article
        # Every field, as the admin's default form has: ArticleAdmin leaves out the read-only ones.
        # A list here would become the admin's whole form (it then asks the form for its fields).
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.initial["opened_version"] = self.instance.edit_version()

    def clean(self) -> dict[str, Any]:
        """Refuses a form opened before someone else saved the article: the admin writes every
        column of the form, so the second of two staff editing one article silently undid the
        first one's changes (a name, a description, taking it off sale).

        The row is locked until this save commits, so two saves cannot both pass the check.
        """
        super().clean()
        cleaned = self.cleaned_data
        if not self.instance._state.adding:
            locked = Article.objects.select_for_update().defer("search_vector")
            current = locked.filter(pk=self.instance.pk).first()
            if current is None or current.edit_version() != cleaned.get("opened_version"):
                raise forms.ValidationError(STALE_FORM)
        return cleaned

    def clean_photo(self) -> bytes | None:
        """The upload's bytes, checked like shop-the-look uploads; stored by the admin's save."""
        upload = self.cleaned_data.get("photo")
        if upload is None:
            return None
        data = read_limited(upload, settings.MAX_UPLOAD_BYTES)
        try:
            # Decoded at thumbnail scale: enough to find a damaged file, cheap for a large one.
            with checked_photo(data, draft_size=(THUMBNAIL_WIDTH, THUMBNAIL_WIDTH)):
                pass
        except UploadRejected as error:
            raise forms.ValidationError(error.message) from None
        return data
