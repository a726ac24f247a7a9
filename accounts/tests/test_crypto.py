import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from accounts import crypto


def test_round_trip_and_ciphertext_differs():
    token = crypto.encrypt("sk-secret-value")
    assert "sk-secret" not in token
    assert crypto.decrypt(token) == "sk-secret-value"
    assert crypto.encrypt("sk-secret-value") != token  # random IV per value


def test_rotation_old_key_still_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        token = crypto.encrypt("v")
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert crypto.decrypt(token) == "v"
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]), pytest.raises(ValueError):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_field_stores_ciphertext_in_the_database():
    from django.db import models

    field = crypto.EncryptedTextField()
    field.set_attributes_from_name("secret")
    stored = field.get_db_prep_save("plain-token", connection)
    assert stored != "plain-token"
    assert field.from_db_value(stored, None, connection) == "plain-token"
    assert isinstance(field, models.TextField)
