import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from social import emoji_catalogue
from social.models import Emoji, EmojiCategory, EmojiFavorite
from social.tests.factories import (
    CustomEmojiFactory,
    EmojiCategoryFactory,
    EmojiFavoriteFactory,
    png_file,
)
from tests.api_cases import APIResourceCases

pytestmark = pytest.mark.django_db
client_for = APIResourceCases.client_for


def _ensure_catalogue():
    # A transactional test elsewhere may have flushed the migration's rows (--reuse-db).
    emoji_catalogue.load(category_model=EmojiCategory, emoji_model=Emoji)


class TestStandardSet:
    def test_the_migration_loaded_every_fully_qualified_emoji_of_the_package(self):
        _ensure_catalogue()
        expected = emoji_catalogue.catalogue()
        standard = Emoji.objects.filter(is_custom=False)
        assert standard.count() == len(expected.emojis) == 3781
        assert set(standard.values_list("unicode", flat=True)) == {
            e.unicode for e in expected.emojis
        }
        assert EmojiCategory.objects.filter(
            name__in=[c.name for c in expected.categories]
        ).count() == len(expected.categories)

    def test_the_data_migration_itself_loads_the_set(self):
        from importlib import import_module

        from django.apps import apps

        Emoji.objects.filter(is_custom=False).delete()
        migration = import_module("social.migrations.0003_load_standard_emojis")
        migration.load_standard_emojis(apps, None)
        assert Emoji.objects.filter(is_custom=False).count() == 3781

    def test_skin_tone_variants_point_at_their_base(self):
        _ensure_catalogue()
        waving = Emoji.objects.get(unicode="👋")
        variants = waving.skin_tone_variants.all()
        assert variants.count() == 5
        assert {v.skin_tone for v in variants} == {
            "light skin tone",
            "medium-light skin tone",
            "medium skin tone",
            "medium-dark skin tone",
            "dark skin tone",
        }
        handshake = Emoji.objects.get(name="handshake: light skin tone, dark skin tone")
        assert handshake.base_emoji.unicode == "🤝"
        assert (
            Emoji.objects.filter(is_custom=False)
            .exclude(skin_tone="")
            .filter(base_emoji__isnull=True)
            .count()
            == 0
        )

    def test_names_and_cldr_keywords_are_loaded(self):
        _ensure_catalogue()
        joy = Emoji.objects.get(unicode="😂")
        assert joy.name == "face with tears of joy"
        assert joy.shortcode == ":face_with_tears_of_joy:"
        assert "laugh" in joy.keywords
        assert joy.category.display_name == "Smileys & Emotion"

    def test_loading_again_adds_nothing(self):
        _ensure_catalogue()
        assert emoji_catalogue.load(category_model=EmojiCategory, emoji_model=Emoji) == 0


class TestSearch:
    def test_exact_shortcode_ranks_first(self, user):
        _ensure_catalogue()
        response = client_for(user).get("/api/v1/emojis/", {"search": "cat"})
        assert response.status_code == 200
        results = response.json()["results"]
        assert results[0]["shortcode"] == ":cat:"
        # "grinning cat" comes before :cat: in Unicode order, yet ranks after it here.
        assert any(r["name"] == "grinning cat" for r in results[1:])

    def test_search_with_colons_and_by_keyword(self, user):
        _ensure_catalogue()
        client = client_for(user)
        assert (
            client.get("/api/v1/emojis/", {"search": ":thumbs_up:"}).json()["results"][0]["unicode"]
            == "👍"
        )
        by_keyword = client.get("/api/v1/emojis/", {"search": "lol", "page_size": 200}).json()
        assert "😂" in {r["unicode"] for r in by_keyword["results"]}

    def test_filter_by_category(self, user):
        _ensure_catalogue()
        flags = EmojiCategory.objects.get(name="flags")
        response = client_for(user).get("/api/v1/emojis/", {"category": flags.pk})
        assert response.json()["count"] == Emoji.objects.filter(category=flags).count()

    def test_unmatched_search_is_empty_not_an_error(self, user):
        response = client_for(user).get("/api/v1/emojis/", {"search": "%_'\"zzzz\\"})
        assert response.status_code == 200
        assert response.json()["results"] == []


class TestCustomEmoji:
    def test_staff_uploads_a_custom_emoji(self, staff_user):
        category = EmojiCategoryFactory()
        response = client_for(staff_user).post(
            "/api/v1/emojis/",
            {
                "category": category.pk,
                "shortcode": ":party_parrot:",
                "name": "party parrot",
                "image": png_file(),
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
        emoji = Emoji.objects.get(pk=response.json()["id"])
        assert emoji.is_custom and emoji.image
        assert response.json()["image_url"].endswith(".png")

    def test_non_staff_cannot_write(self, user):
        category = EmojiCategoryFactory()
        client = client_for(user)
        before = Emoji.objects.count()
        response = client.post(
            "/api/v1/emojis/",
            {"category": category.pk, "shortcode": ":x_x:", "name": "x", "image": png_file()},
            format="multipart",
        )
        assert response.status_code == 403
        assert client.post("/api/v1/emoji-categories/", {"name": "mine"}).status_code == 403
        emoji = CustomEmojiFactory()
        assert client.delete(f"/api/v1/emojis/{emoji.pk}/").status_code == 403
        assert Emoji.objects.count() == before + 1

    @pytest.mark.parametrize(
        "image",
        [
            lambda: SimpleUploadedFile("fake.png", b"not an image", content_type="image/png"),
            lambda: png_file(size=(2048, 2048)),
            lambda: None,
        ],
        ids=["not-an-image", "too-large", "missing"],
    )
    def test_bad_images_are_400_and_write_nothing(self, staff_user, image):
        category = EmojiCategoryFactory()
        body = {"category": category.pk, "shortcode": ":bad_one:", "name": "bad"}
        if image() is not None:
            body["image"] = image()
        before = Emoji.objects.count()
        response = client_for(staff_user).post("/api/v1/emojis/", body, format="multipart")
        assert response.status_code == 400, response.content
        assert "image" in response.json()
        assert Emoji.objects.count() == before

    def test_duplicate_or_malformed_shortcode_is_400(self, staff_user):
        existing = CustomEmojiFactory()
        client = client_for(staff_user)
        for shortcode in [existing.shortcode, "no colons", ":UPPER:"]:
            response = client.post(
                "/api/v1/emojis/",
                {
                    "category": existing.category_id,
                    "shortcode": shortcode,
                    "name": "dup",
                    "image": png_file(),
                },
                format="multipart",
            )
            assert response.status_code == 400, shortcode
            assert "shortcode" in response.json()

    def test_delete_deactivates_and_keeps_the_row(self, staff_user, user):
        emoji = CustomEmojiFactory()
        assert client_for(staff_user).delete(f"/api/v1/emojis/{emoji.pk}/").status_code == 204
        emoji.refresh_from_db()
        assert emoji.is_active is False
        assert client_for(user).get(f"/api/v1/emojis/{emoji.pk}/").status_code == 404
        assert client_for(staff_user).get(f"/api/v1/emojis/{emoji.pk}/").status_code == 200

    def test_deactivated_category_hides_from_users(self, staff_user, user):
        category = EmojiCategoryFactory()
        path = f"/api/v1/emoji-categories/{category.pk}/"
        assert client_for(staff_user).delete(path).status_code == 204
        assert EmojiCategory.objects.filter(pk=category.pk, is_active=False).exists()
        assert client_for(user).get(path).status_code == 404

    def test_staff_edits_a_standard_emoji_but_not_its_unicode(self, staff_user):
        _ensure_catalogue()
        emoji = Emoji.objects.get(unicode="😂")
        client = client_for(staff_user)
        path = f"/api/v1/emojis/{emoji.pk}/"
        assert client.patch(path, {"description": "tears"}).status_code == 200
        response = client.patch(path, {"unicode": "😀"})
        assert response.status_code == 400
        emoji.refresh_from_db()
        assert emoji.unicode == "😂"


class TestFavorites:
    def test_use_counts_and_list_orders_by_usage(self, user):
        client = client_for(user)
        rare, common = EmojiFavoriteFactory(user=user), EmojiFavoriteFactory(user=user)
        for _ in range(3):
            response = client.post(f"/api/v1/emoji-favorites/{common.pk}/use/")
            assert response.status_code == 200
        assert response.json()["usage_count"] == 3
        assert response.json()["last_used"]
        client.post(f"/api/v1/emoji-favorites/{rare.pk}/use/")
        ids = [r["id"] for r in client.get("/api/v1/emoji-favorites/").json()["results"]]
        assert ids == [str(common.pk), str(rare.pk)]

    def test_duplicate_favourite_is_400(self, user):
        favorite = EmojiFavoriteFactory(user=user)
        response = client_for(user).post(
            "/api/v1/emoji-favorites/", {"emoji": str(favorite.emoji_id)}
        )
        assert response.status_code == 400
        assert EmojiFavorite.objects.filter(user=user).count() == 1

    def test_inactive_emoji_cannot_be_favourited(self, user):
        emoji = CustomEmojiFactory(is_active=False)
        response = client_for(user).post("/api/v1/emoji-favorites/", {"emoji": str(emoji.pk)})
        assert response.status_code == 400
        assert not EmojiFavorite.objects.exists()

    def test_someone_elses_favourite_cannot_be_used(self, user, other_user):
        favorite = EmojiFavoriteFactory(user=other_user)
        response = client_for(user).post(f"/api/v1/emoji-favorites/{favorite.pk}/use/")
        assert response.status_code == 404
        favorite.refresh_from_db()
        assert favorite.usage_count == 0


def test_staff_manage_categories(staff_user):
    client = client_for(staff_user)
    response = client.post(
        "/api/v1/emoji-categories/", {"name": "team", "display_name": "Team", "sort_order": 50}
    )
    assert response.status_code == 201
    category_id = response.json()["id"]
    assert isinstance(category_id, int)
    path = f"/api/v1/emoji-categories/{category_id}/"
    assert client.patch(path, {"display_name": "Our team"}).json()["display_name"] == "Our team"
    assert (
        client.post("/api/v1/emoji-categories/", {"name": "team", "display_name": "x"}).status_code
        == 400
    )


def test_admin_cannot_rewrite_a_standard_emojis_text(client, staff_user):
    from django.urls import reverse

    _ensure_catalogue()
    client.force_login(staff_user)
    emoji = Emoji.objects.get(unicode="😂")
    page = client.get(reverse("admin:social_emoji_change", args=[emoji.pk]))
    assert page.status_code == 200
    assert 'name="unicode"' not in page.content.decode()
