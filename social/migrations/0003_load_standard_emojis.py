from django.db import migrations


def load_standard_emojis(apps, schema_editor):
    from social.emoji_catalogue import load

    load(
        category_model=apps.get_model("social", "EmojiCategory"),
        emoji_model=apps.get_model("social", "Emoji"),
    )


def remove_standard_emojis(apps, schema_editor):
    Emoji = apps.get_model("social", "Emoji")
    EmojiCategory = apps.get_model("social", "EmojiCategory")
    Emoji.objects.filter(is_custom=False).delete()
    EmojiCategory.objects.filter(emojis__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("social", "0002_chat_emoji_presence"),
    ]

    operations = [
        migrations.RunPython(load_standard_emojis, remove_standard_emojis, elidable=False),
    ]
