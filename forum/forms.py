import re
import unicodedata
from datetime import UTC

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import mail
from .models import Comment, Report
from .moderation import PARENT_UNAVAILABLE
from .threads import ancestors

# What a reader cannot see on the page: spaces and separators of every kind (no-break,
# ideographic, line and paragraph separators), format characters (zero-width space and
# joiners, the byte order mark, direction marks) and control characters; and the blank
# letters that pass for text (the Hangul fillers, the blank braille pattern).
INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cf", "Cc"}
BLANK_LETTERS = set("\u115f\u1160\u3164\uffa0\u2800")


def is_invisible(text: str) -> bool:
    return all(
        unicodedata.category(char) in INVISIBLE_CATEGORIES or char in BLANK_LETTERS for char in text
    )


# Control characters that XML 1.0 cannot carry, so neither can the feeds: everything
# below the space except tab, newline and carriage return. NUL is left to Django's own
# validator ("Null characters are not allowed."), which every CharField has.
CONTROL_CHARACTER = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")


def refuse_control_characters(value: str) -> None:
    found = CONTROL_CHARACTER.search(value)
    if found:
        raise forms.ValidationError(
            _(
                "This text contains a control character (U+%(code)04X) that cannot be shown. "
                "Remove it, or type the text again instead of pasting it."
            ),
            code="control_character",
            params={"code": ord(found.group())},
        )


def refuse_unstorable_time(value) -> None:
    """A time the database can store: it keeps times in UTC, and Python's times end with
    the year 9999, so 31 December 9999 in New York is out of reach (and 1 January of the
    year 1 in Berlin)."""
    if value is None:
        return
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise forms.ValidationError(
            _("Choose a time between the years 1 and 9999."), code="out_of_range"
        ) from None


class CommentBodyField(forms.CharField):
    """A comment's text. One made only of characters nobody sees counts as empty, and
    gets the same message as an empty one."""

    default_validators = [refuse_control_characters]

    def to_python(self, value):
        value = super().to_python(value)
        return "" if is_invisible(value) else value


class CommentForm(forms.Form):
    body = CommentBodyField(
        label=_("Comment"),
        max_length=settings.FORUM_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Please write a comment before posting."),
            "max_length": _(
                "Comments can be at most %(limit_value)d characters long "
                "(this one has %(show_value)d)."
            ),
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    follow = forms.BooleanField(
        label=_("Mail me when someone replies in this discussion"), required=False
    )

    def __init__(self, *args, thread, **kwargs):
        self.thread = thread
        super().__init__(*args, **kwargs)

    def clean_parent(self) -> Comment | None:
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        # Whether it may be answered (published, not deleted) is the rules' call
        # (forum/moderation.py); here it only has to be a comment of this thread.
        parent = (
            Comment.objects.filter(pk=parent_id, thread=self.thread)
            # Where the reply is stored, with no query more (threads.reply_parent).
            .annotate(**ancestors())
            .select_related("parent")
            .first()
        )
        if parent is None:
            raise forms.ValidationError(gettext(PARENT_UNAVAILABLE))
        return parent


class EditCommentForm(forms.Form):
    body = CommentForm.base_fields["body"]


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ("reason", "details")
        widgets = {"reason": forms.RadioSelect, "details": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "reason": _("What is wrong with this comment?"),
            "details": _("Anything to add?"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = Report.Reason.choices  # no empty "---------" choice

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Report.Reason.OTHER and not cleaned.get("details", "").strip():
            self.add_error("details", _("Please say what is wrong with the comment."))
        return cleaned


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "display_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _("Never shown to other readers.")
        # Shown with every comment, in the feeds too. (The username's own validator
        # allows only letters, digits and @.+-_.)
        self.fields["display_name"].validators.append(refuse_control_characters)


class EraseAccountForm(forms.Form):
    """The reader's password, asked again before their account is erased: a session left
    open on a shared computer must not be enough."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password. Nothing was erased."))
        return password


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset, with the mail queued for the worker instead of sent
    inside the request. The link itself is made when the mail is sent (``forum/mail.py``)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        mail.queue_password_reset(
            user=context["user"],
            domain=context["domain"],
            site_name=context["site_name"],
            protocol=context["protocol"],
            subject_template_name=subject_template_name,
            email_template_name=email_template_name,
            html_email_template_name=html_email_template_name,
            from_email=from_email,
        )
