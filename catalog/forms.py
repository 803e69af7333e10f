"""The admin's article form: a photo upload instead of paths typed by hand."""

from __future__ import annotations

from django import forms
from django.conf import settings

from catalog.importer.image_files import THUMBNAIL_WIDTH
from catalog.models import Article
from storefront.photo_checks import UploadRejected, checked_photo, read_limited


class ArticleAdminForm(forms.ModelForm):
    photo = forms.FileField(
        required=False,
        label="New photo",
        help_text="JPEG, PNG or WebP. Replaces the photo, its thumbnail, size and fingerprint.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Article
        # Every field, as the admin's default form has: ArticleAdmin leaves out the read-only ones.
        # A list here would become the admin's whole form (it then asks the form for its fields).
        fields = "__all__"  # noqa: DJ007

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
