import importlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from articles.models import Article
from forum import services
from forum.models import Comment, Thread
from forum.rendering import render_comment_body

MODERATORS_0002 = importlib.import_module("forum.migrations.0002_moderators_group")
MODERATORS_0004 = importlib.import_module(
    "forum.migrations.0004_moderators_moderate_users_and_words"
)
MODERATORS_0012 = importlib.import_module("forum.migrations.0012_moderators_view_mail_tasks")
MODERATORS_0014 = importlib.import_module("forum.migrations.0014_moderators_see_lockouts")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    display_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    class Params:
        # The reader opened the link mailed to their address: imports trust it.
        confirmed = factory.Trait(email_confirmed_at=factory.LazyFunction(timezone.now))


class ModeratorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"moderator{n}")
    is_staff = True

    @factory.post_generation
    def moderators_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(moderators_group())


def moderators_group() -> Group:
    """The "Moderators" group the data migrations made.

    Browser tests run in transactions that end in a flush, which empties every table,
    migrations' rows included; Django restores them only sometimes (serialized rollback
    is fragile next to other tests). So the group is rebuilt here from the migrations'
    own lists when it is missing.
    """
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        return group
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    group = Group.objects.create(name="Moderators")
    for module in (MODERATORS_0002, MODERATORS_0004, MODERATORS_0012, MODERATORS_0014):
        for app_label, codename in module.MODERATOR_PERMISSIONS:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article; its open thread is created with it."""

    class Meta:
        model = Article

    title = factory.Faker("sentence", nb_words=6)
    slug = factory.Sequence(lambda n: f"story-{n}")
    body = factory.Faker("text", max_nb_chars=800)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))


class CommentFactory(factory.django.DjangoModelFactory):
    """A published comment, stored as is, without the posting rules."""

    class Meta:
        model = Comment
        skip_postgeneration_save = True

    thread = factory.LazyFunction(lambda: ArticleFactory().thread)
    parent = None
    root = factory.LazyAttribute(lambda c: c.parent and (c.parent.root or c.parent))
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("paragraph")
    body_html = factory.LazyAttribute(lambda c: render_comment_body(c.body))
    status = Comment.Status.PUBLISHED
    # Posted a while ago, so that the flood rule does not stop the author's next comment.
    created_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
    first_published_at = factory.LazyAttribute(
        lambda c: c.created_at if c.status == Comment.Status.PUBLISHED else None
    )

    @factory.post_generation
    def refresh_thread(comment, create, extracted, **kwargs):
        # What the services do after every change: recount the thread, bump its version.
        if create:
            services.refresh_thread(comment.thread_id)


def thread_of(article: Article) -> Thread:
    return Thread.objects.get(article=article)
