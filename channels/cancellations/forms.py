"""The reject form: one of TikTok Shop's reasons, and a comment for the buyer."""

from django import forms

from channels.cancellations.services import COMMENT_LENGTH, REJECT_REASONS


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the request rejected?",
        choices=[("", "Choose a reason"), *REJECT_REASONS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    comment = forms.CharField(
        label="Comment for the buyer (optional)",
        required=False,
        max_length=COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
