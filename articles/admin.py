from django.contrib import admin

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
        ("Photo", {"fields": ("image_alt", "image_caption")}),
        ("Publication", {"fields": ("status", "published_at", "author", "credit")}),
        (
            "Internal",
            {"fields": ("source_url", "source_id", "source_note"), "classes": ("collapse",)},
        ),
    )
