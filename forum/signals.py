"""Receivers that keep the forum in step with the articles app.

``articles`` knows nothing of the forum, so it cannot create an article's thread or
tell its cached comment list that the title changed; the forum listens instead. And the
cached list of moderation words is emptied whenever a word changes, however it changes.
"""

from django.core.cache import cache
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.models import Article

from .models import ModerationWord, Thread


@receiver(post_save, sender=Article, dispatch_uid="forum_article_saved")
def keep_thread_in_step(sender, instance, created, raw, **kwargs):
    # Fixtures (raw saves) bring their own thread, with its open or closed state.
    if raw:
        return
    if created:
        Thread.objects.get_or_create(article=instance)
    else:
        # The cached comment list shows the title ("N thoughts on “Title”").
        Thread.objects.filter(article=instance).update(version=F("version") + 1)


@receiver([post_save, post_delete], sender=ModerationWord, dispatch_uid="forum_words_changed")
def forget_moderation_words(sender, **kwargs):
    cache.delete(ModerationWord.CACHE_KEY)
