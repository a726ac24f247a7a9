import io
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from social import services
from social.models import (
    ChatGroup,
    Emoji,
    EmojiCategory,
    EmojiFavorite,
    Message,
    Notification,
)


def png_file(name: str = "party.png", size: tuple[int, int] = (32, 32)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (255, 120, 0, 255)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class EmojiCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmojiCategory

    name = factory.Sequence(lambda n: f"test-category-{n}")
    display_name = factory.Sequence(lambda n: f"Test category {n}")
    sort_order = 100


class CustomEmojiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Emoji

    category = factory.SubFactory(EmojiCategoryFactory)
    shortcode = factory.Sequence(lambda n: f":custom_{n}:")
    name = factory.Sequence(lambda n: f"custom {n}")
    keywords = factory.LazyFunction(lambda: ["custom"])
    is_custom = True
    image = factory.LazyFunction(png_file)


class EmojiFavoriteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmojiFavorite

    user = factory.SubFactory(UserFactory)
    emoji = factory.SubFactory(CustomEmojiFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    type = "test"
    title = factory.Sequence(lambda n: f"Notice {n}")


def chat_group(creator, **fields) -> ChatGroup:
    return services.chat_group_create(creator=creator, name=fields.pop("name", "Room"), **fields)


def add_member(group: ChatGroup, user) -> None:
    issued = services.chat_group_invite_create(group=group, created_by=group.created_by)
    services.chat_group_invite_accept(token=issued.token, user=user)


class DirectMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    sender = factory.SubFactory(UserFactory)
    receiver = factory.SubFactory(UserFactory)
    content = factory.Sequence(lambda n: f"message {n}")


def expired(invite) -> None:
    type(invite).objects.filter(pk=invite.pk).update(
        created_at=timezone.now() - timedelta(days=2),
        expires_at=timezone.now() - timedelta(days=1),
    )
