from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "published_at", "author")
    list_filter = ("status", "published_at")
    list_select_related = ("author",)
    search_fields = ("title", "standfirst", "body")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_at"
    autocomplete_fields = ("author",)
    readonly_fields = ("source_id",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "standfirst", "body")}),
        (_("Photo"), {"fields": ("image_alt", "image_caption")}),
        (_("Publication"), {"fields": ("status", "published_at", "author", "credit")}),
        (
            _("Internal"),
            {"fields": ("source_url", "source_id", "source_note"), "classes": ("collapse",)},
        ),
    )
