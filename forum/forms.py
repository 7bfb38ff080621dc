from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from .models import Comment


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=settings.FORUM_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Please write a comment before posting.",
            "max_length": "Comments can be at most %(limit_value)d characters long "
            "(this one has %(show_value)d).",
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, thread, **kwargs):
        self.thread = thread
        super().__init__(*args, **kwargs)

    def clean_parent(self) -> Comment | None:
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        parent = (
            Comment.objects.published()
            .filter(pk=parent_id, thread=self.thread)
            .select_related("author")
            .first()
        )
        if parent is None:
            raise forms.ValidationError(
                "The comment you are replying to is not available. "
                "It may have been removed; you can still post a new comment."
            )
        return parent


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "display_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Never shown to other readers."
