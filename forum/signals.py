"""Receivers that keep the forum in step with the articles app.

``articles`` knows nothing of the forum, so it cannot create an article's thread
itself; the forum listens for new articles instead.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from articles.models import Article

from .models import Thread


@receiver(post_save, sender=Article, dispatch_uid="forum_create_thread_for_article")
def create_thread_for_new_article(sender, instance, created, raw, **kwargs):
    # Fixtures (raw saves) bring their own thread, with its open or closed state.
    if created and not raw:
        Thread.objects.get_or_create(article=instance)
