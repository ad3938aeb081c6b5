"""The language check that keeps non-English feedback away from the English models.

The sentences below were written for this test (none comes from a dataset).
"""

import pytest

from feedback_ai.ml.text.language import guess_language

FOREIGN = {
    "fr": [
        "Il serait bien d'avoir une version en français.",
        "L'application plante à chaque fois que j'ouvre un rapport.",
        "impossible de me connecter depuis la dernière mise à jour",
        "Pouvez-vous ajouter l'export en PDF ?",
        "Nous avons besoin d'une intégration avec Salesforce.",
        "c'est nul, je veux etre rembourse",
        "Très bonne appli mais il manque le mode sombre",
    ],
    "es": [
        "La aplicación se cierra sola cada vez que subo una foto.",
        "Sería genial poder exportar los informes a Excel.",
        "no puedo iniciar sesión desde ayer",
        "Por favor agreguen la opción de pagar con tarjeta.",
        "que lento es todo desde la actualizacion",
        "Me cobraron dos veces este mes.",
        "La aplicación no funciona y el soporte es muy lento",
    ],
    "de": [
        "Die App stürzt beim Start immer ab.",
        "Es wäre schön, wenn man die Berichte als PDF exportieren könnte.",
        "ich kann mich seit dem update nicht mehr einloggen",
        "Bitte fügt einen Dunkelmodus hinzu.",
        "Wir brauchen eine Anbindung an SAP.",
        "warum muss ich jedes mal das passwort neu eingeben",
        "Tolle App, aber die Benachrichtigungen kommen zu spät.",
    ],
    "pt": [
        "O aplicativo fecha sozinho quando abro as configurações.",
        "Seria ótimo ter uma versão em português.",
        "não consigo entrar na minha conta desde ontem",
        "Por favor, adicionem o modo escuro.",
        "Precisamos de integração com o nosso sistema de pagamentos.",
        "Gostei do app mas falta a opcao de exportar",
    ],
    "it": [
        "L'app si blocca ogni volta che provo a caricare un file.",
        "Sarebbe bello poter esportare i dati in Excel.",
        "non riesco ad accedere dopo l'aggiornamento",
        "Per favore aggiungete la modalità scura.",
        "Mi hanno addebitato due volte lo stesso importo.",
        "bella app ma mancano le notifiche",
    ],
    "nl": [
        "De app crasht elke keer als ik een foto upload.",
        "Het zou fijn zijn als we rapporten naar Excel kunnen exporteren.",
        "ik kan sinds de update niet meer inloggen",
        "Voeg alsjeblieft een donkere modus toe.",
        "Wij hebben een koppeling met Exact Online nodig.",
        "Leuke app, maar de meldingen komen te laat.",
    ],
}

# Short, informal English as customers write it: none of it may be flagged, since flagged items go
# unscored.
ENGLISH = [
    "pls add sso",
    "app keeps crashing lol",
    "love it!!! 😍",
    "dark mode plz",
    "cant login since update",
    "wont sync w/ google calendar",
    "Slack integration?",
    "export to csv pls",
    "great app 👍",
    "its ok i guess",
    "the new ui is confusing af",
    "keeps logging me out smh",
    "need SAML SSO for Okta",
    "Jira sync broken again",
    "add bulk edit",
    "billing page 404s",
    "gr8 support ty",
    "meh",
    "Zapier webhook fails",
    "the calender view is brokn",
    "HubSpot integration pls",
    "la la land mode lol",
    "Salesforce sync duplicates contacts",
    "ok",
    "garbage",
    "team plan?",
    "dashboard loads slow af",
    "can u add recurring tasks",
    "Figma embed doesnt render",
    "5 stars",
    "résumé upload fails",
    "fix the bug in the café menu",
    "The Mes documents folder is empty since the update",
    "Please translate the app to Spanish",
    "The dashboard takes forever to load since the update",
    # Words that other languages share with English ("i", "do", "my", "by", "plus", "de").
    "how do i add my team",
    "i go by kim",
    "go by bus",
    "do i owe tax",
    "add 5 plus 7 plus 9",
    "i am the admin",
]


@pytest.mark.parametrize(
    ("text", "code"), [(text, code) for code, texts in FOREIGN.items() for text in texts]
)
def test_one_line_in_another_language_is_named(text: str, code: str) -> None:
    assert guess_language(text) == code


@pytest.mark.parametrize("text", ENGLISH)
def test_short_informal_english_stays_english(text: str) -> None:
    assert guess_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Dziękuję, świetna aplikacja, ale brakuje trybu ciemnego", "pl"),
        ("uygulama çok yavaş açılıyor", "tr"),
        ("Appen kraschar varje gång jag öppnar den", "sv"),
    ],
)
def test_other_latin_script_languages(text: str, code: str) -> None:
    assert guess_language(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("应用程序一直崩溃，请尽快修复", "zh"),
        ("Приложение постоянно падает после обновления", "ru"),
        ("🔥🔥🔥", "und"),
        ("12345 !!!", "und"),
    ],
)
def test_other_scripts_and_no_letters(text: str, code: str) -> None:
    assert guess_language(text) == code


def test_predict_flags_the_issue_sentence_and_not_english() -> None:
    from feedback_ai.ml.predict import _odd_input
    from feedback_ai.ml.text.pii import prepare

    assert _odd_input(prepare("Il serait bien d'avoir une version en français.")) == (
        "fr",
        ["non_english"],
    )
    assert _odd_input(prepare("app keeps crashing lol")) is None
