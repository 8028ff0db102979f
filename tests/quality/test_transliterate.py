"""Transliteration and the phonetic name key: spellings of one name meet, different names do not."""

from __future__ import annotations

import pytest

from crmflow.quality.transliterate import company_key, name_key, transliterate


@pytest.mark.parametrize("spellings", [
    ("Щербаков", "Shcherbakov", "Scherbakov", "Shherbakov", "Ŝerbakov", "SHCHERBAKOV"),
    ("Юлия", "Yulia", "Iuliia", "Yuliya", "Julija"),
    ("Хабибуллин", "Khabibullin", "Habibullin"),
    ("Цветков", "Tsvetkov", "Cvetkov"),
    ("Фёдор", "Федор", "Fyodor", "Fedor"),
    ("Алексей", "Alexey", "Aleksei", "Aleksey"),
    ("Юрий", "Yuriy", "Yury", "Iurii", "Yurii"),
    ("Наталья", "Natalia", "Natalya", "Natal'ya"),
    ("Евгений", "Yevgeniy", "Evgeny", "Evgenii"),
    ("Жуков", "Zhukov"),
    ("Семён", "Semyon", "Semen"),
    ("Майоров", "Maiorov", "Mayorov", "Majorov"),
    ("Артём", "Artyom", "Artem", "Artjom"),
    ("Сергеевич", "Sergeevich", "Sergeyevich"),
])  # fmt: skip
def test_spellings_of_one_name_share_a_key(spellings: tuple[str, ...]) -> None:
    keys = {name_key(s) for s in spellings}
    assert len(keys) == 1, dict(zip(spellings, map(name_key, spellings), strict=True))


@pytest.mark.parametrize("a, b", [
    ("Шаров", "Саров"), ("Чернов", "Цернов"), ("Жуков", "Зуков"), ("Иван", "Ирина"), ("Петров", "Петрова"),
])  # fmt: skip
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_key_keeps_word_order_and_drops_punctuation() -> None:
    assert name_key("Петров-Водкин  Иван") == "petrov vodkin ivan"
    assert name_key("  ") is None
    assert name_key(None) is None
    assert name_key("123") is None


def test_transliterate_gost_b_keeps_latin_and_case() -> None:
    assert transliterate("Щукин Юрий") == "Shhukin Yurij"
    assert transliterate("ООО Ромашка, Moscow 1") == "OOO Romashka, Moscow 1"


def test_company_key_drops_legal_forms_and_quotes() -> None:
    assert company_key("ООО «Ромашка»") == company_key('"Romashka" LLC') == company_key("Ромашка, ооо") == "romawka"
    assert company_key("АО Вектор") == company_key("Вектор") != company_key("Вектор Плюс")
    assert company_key(None) is None


def test_every_generated_name_meets_its_latin_spellings() -> None:
    """Every first name, patronymic and surname the demo generator uses, in its three Latin systems."""
    from crmflow.demo import contacts

    names = [n for triple in contacts._MALE for n in triple] + list(contacts._FEMALE)
    names += [root + suffix for root in contacts._SURNAME_ROOTS for suffix in ("", "ов", "ский")]
    apart = {n: [contacts._latin(n, system) for system in contacts._SYSTEMS] for n in names}
    apart = {n: latin for n, latin in apart.items() if len({name_key(n), *map(name_key, latin)}) > 1}
    assert apart == {}
