"""Does a name say its value is secret, and does the value look like one?

Names are split into words (``AWS_SECRET_ACCESS_KEY`` -> aws, secret, access, key;
``X-Api-Key`` -> x, api, key; ``keyStorePassword`` -> key, store, password), so one rule covers a
whole family by suffix or prefix (``*_password``, ``*-token``, ``*-subscription-key``) without a
list of every vendor's spelling, while ``tokenizer``, ``max_tokens``, ``sort_key``,
``token_type`` or ``key_file`` stay ordinary names.

Values are tested too, because a secret name often holds something that is not a secret: a
variable (``password=password``, ``token=self.token``), a call (``secret = client.get_secret()``),
a placeholder (``${DB_PASSWORD}``, ``<your key>``, ``***``), a tokenizer special token (``'<s>'``,
``'[MASK]'``), a flag (``use_auth_token=True``), a file path or a URL
(``GOOGLE_APPLICATION_CREDENTIALS=/home/u/sa.json``).
"""

from __future__ import annotations

import keyword
import re
from functools import lru_cache

NONE, WEAK, STRONG = 0, 1, 2


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one string (the lists below are long)."""
    return frozenset(text.split())


_WORDS = re.compile(r"[A-Z]{1,64}[0-9]{0,16}(?![a-z])|[A-Z]?[a-z]{1,64}[0-9]{0,16}|[0-9]{1,32}")

# A word ending like this makes the name secret (sslpassword, authtoken, clientsecret, apikey).
_STRONG_ENDINGS = (
    *("password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "accesskey"),
    *("secretkey", "privatekey", "authkey", "credential", "credentials", "creds", "masterkey"),
    *("signingkey", "encryptionkey", "sessionkey", "pass"),
)
# Words that end like a secret word but are not one.
_NOT_STRONG = frozenset({"bypass", "compass", "surpass", "overpass", "underpass", "trespass"})
_STRONG_WORDS = frozenset({"pass", "pw", "passw", "pword", "sig", "signature", "sas", "secrets"})
# ``<word>_key`` is an ordinary name for these words (primary_key, sort_key, s3_key, cache_key).
_ORDINARY_KEY_WORDS = wordset(
    "primary sort foreign partition hash range cache dict group join index row column col "
    "unique lookup object s3 map hot shortcut order table dedup dedupe merge idempotency shard "
    "sharding routing cluster clustering distribution grouping natural surrogate composite "
    "compound candidate alternate business entity item record dimension json config label "
    "metric event cursor page pagination next first last max min bucket prefix blob file "
    "registry legend color colour by on of the a to with"
)
# ``<word>_key`` names a public key or a key id, never a secret (GPG_KEY fingerprints in
# Docker images' environments, public_key, kms_key ARNs).
_PUBLIC_KEY_WORDS = frozenset({"public", "pub", "gpg", "pgp", "kms", "ssh_public", "host"})
# A name whose last word is one of these describes a secret but does not hold it
# (token_type, password_file, secret_name, key_id, credentials_path, token_url).
_NEUTRAL_LAST = wordset(
    "file files path paths dir directory folder name names type types id ids url uri urls "
    "endpoint endpoints provider providers class length len size count ttl expiry expires "
    "expiration exp expire expired enabled enable disabled required mode prompt env var field "
    "fields policy policies rotation arn version format store location method source kind scope "
    "scopes algorithm algo alg min max limit timeout reset changed hint label prefix suffix "
    "regex pattern flag option options help strength age stdin cmd command helper manager "
    "backend header param parameter column col table error errors exception message msg status "
    "state issuer audience lifetime duration interval index idx number num chars characters pos "
    "position start end offset level category generator factory validator rule rules list map "
    "dict set schema spec config cfg settings template callback handler fn func function lock "
    "loader reader writer client service server host port user username email login account "
    "owner role group tenant region zone bucket container vault ring pair usage identifier ref "
    "reference dialog input box field form page view hash salt length chars stdout"
)


def words(name: str) -> list[str]:
    """``fs.azure.account.key.acct`` -> [fs, azure, account, key, acct]; camelCase is split."""
    return [w.lower() for w in _WORDS.findall(name)]


def _strong_word(word: str) -> bool:
    return word in _STRONG_WORDS or (word.endswith(_STRONG_ENDINGS) and word not in _NOT_STRONG)


@lru_cache(maxsize=4096)
def classify(name: str) -> int:
    """STRONG: the value is a secret unless it is clearly not (a variable, a placeholder, ...).
    WEAK (``key``, ``auth``, ``primary_key``): only a random-looking value is a secret. NONE."""
    ws = words(name)
    while ws and ws[-1].isdigit():
        ws.pop()  # PuTTY-User-Key-File-2, X-Hub-Signature-256: the last word that means something
    if not ws:
        return NONE
    last = ws[-1]
    if last in _NEUTRAL_LAST and not (last == "id" and len(ws) > 1 and ws[-2] == "secret"):
        return NONE
    if any(_strong_word(w) for w in ws):
        return STRONG
    strength = NONE
    for i, w in enumerate(ws):
        if w in ("key", "keys"):
            if i > 0 and ws[i - 1] in _PUBLIC_KEY_WORDS:
                continue
            if i == 0 or ws[i - 1] in _ORDINARY_KEY_WORDS:
                strength = max(strength, WEAK)
            else:
                return STRONG
        elif w == "auth":
            strength = max(strength, WEAK)
    if len(ws) >= 2 and ws[0] == "x" and last in ("api", "auth", "key"):
        return STRONG  # vendor headers: X-Foo-Api, X-Foo-Auth
    return strength


@lru_cache(maxsize=4096)
def name_facts(name: str) -> tuple[int, str]:
    """``classify(name)`` and ``name.lower()`` (``is_code_reference`` compares a value with it:
    ``password=password`` names a variable)."""
    return classify(name), name.lower()


_PLACEHOLDER = re.compile(
    r"""(?:\*{1,64}|[xX]{3,64}|\.{3}|•{1,64}|\?|<[^<>\n]{0,60}>|\[[A-Za-z_ |\-]{1,30}\]"""
    r"""|\$\{?[A-Za-z_]\w{0,60}\}?|%\(?\w{0,60}\)?s|%[A-Za-z_]\w{0,60}%|\{\{[^{}\n]{0,80}\}\}"""
    r"""|\{\d{0,3}(?:![rsa])?(?::[^{}\n]{0,20})?\}|:[A-Za-z_]\w{0,60}|@[A-Za-z_]\w{0,60}|\$\d{1,2}"""
    r"""|none|null|nil|true|false|yes|no|on|off|undefined|nan|redacted|hidden|masked)""",
    re.I,
)
_PATH = re.compile(
    r"(?:~|\.{1,2})?/[\w.@+\-~%]{1,255}(?:/[\w.@+\-~%]{0,255}){1,64}"
    r"|(?:~|\.{1,2})?/[\w@+\-~%]{1,255}\.(?:json|pem|key|p12|pfx|jks|keytab|crt|cer|txt|ya?ml|ini"
    r"|cfg|conf|env|gpg|asc|pub|der)"
    r"|[A-Za-z]:\\[^\s]{0,1024}"
    r"|[\w.\-]{1,255}/[\w./\-]{0,1024}\.(?:json|pem|key|p12|pfx|jks|keytab|crt|cer|ya?ml|ini|cfg"
    r"|conf|env|gpg|asc|der)"
)
_URL = re.compile(r"[A-Za-z][\w+.\-]{0,30}://[^\s:@/]{0,256}(?:[/?#][^\s@]{0,2048})?")
_CODE_REF = re.compile(r"[A-Za-z_]\w{0,80}(?:\.[A-Za-z_]\w{0,80}){1,8}")
_IDENT = re.compile(r"[A-Za-z_]\w{0,80}")
_RANDOM_CHARS = re.compile(r"[A-Za-z0-9+/=_\-.~:]{1,4096}")


PLACEHOLDER_WORDS = wordset(
    "none null nil true false yes no on off undefined nan redacted hidden masked"
)


def is_placeholder(value: str) -> bool:
    """``None``, ``${TOKEN}``, ``<your key>``, ``'<s>'``, ``[MASK]``, ``***``, ``%s``, ``{0}``."""
    if not value:
        return False
    if value[0].isalnum() and value[0] not in "xX":
        return value.lower() in PLACEHOLDER_WORDS  # fast path: most values start so
    return _PLACEHOLDER.fullmatch(value) is not None


def is_path_or_url(value: str) -> bool:
    """A file path or a URL without a password: what a credential *variable* often holds."""
    if "/" not in value and "\\" not in value:
        return False
    return _PATH.fullmatch(value) is not None or _URL.fullmatch(value) is not None


def looks_random(value: str, min_len: int = 16) -> bool:
    """Token-like: long, token characters only, letters mixed with digits or mixed case."""
    if len(value) < min_len or _RANDOM_CHARS.fullmatch(value) is None:
        return False
    digits = sum(c.isdigit() for c in value)
    upper = sum(c.isupper() for c in value)
    lower = sum(c.islower() for c in value)
    if digits >= 2 and upper + lower >= 2:
        return True
    return upper >= 2 and lower >= 2 and len(value) >= 20


VARIABLE_WORDS = wordset(
    "password passwd pwd pw pass passphrase secret token key apikey credentials credential "
    "creds cred auth"
)


def is_code_reference(value: str, name: str) -> bool:
    """``self.password``, ``os.environ``, ``password`` for ``password=``, ``db_token``,
    ``dbPassword``, keywords: a variable or an attribute, not a literal secret. ``LibpqPw`` or
    ``EnvPw_123`` are not variable-shaped (capitalised, digits after the word): secrets."""
    if not (value[:1].isalpha() or value[:1] == "_"):
        return False
    if "." in value and _CODE_REF.fullmatch(value):
        return not any(looks_random(part, 12) for part in value.split("."))
    if not _IDENT.fullmatch(value):
        return False
    if keyword.iskeyword(value) or value in ("self", "cls"):
        return True
    low, low_name = value.lower(), name.lower()
    if low == low_name or low == low_name.replace("-", "_"):
        return True
    if value[0].isupper() and not value.isupper():
        return False
    if "_" in value:
        return not VARIABLE_WORDS.isdisjoint(low.split("_"))
    if value.islower() or value.isupper():
        return low in VARIABLE_WORDS
    return not VARIABLE_WORDS.isdisjoint(words(value))  # dbPassword


def secret_value(strength: int, name: str, value: str, quoted: bool) -> bool:
    """Whether ``value`` (quotes removed) under a name of ``strength`` is to be redacted."""
    if strength == NONE or not value or "[REDACTED]" in value:
        return False
    if is_placeholder(value) or is_path_or_url(value):
        return False
    if not quoted and is_code_reference(value, name):
        return False
    if strength == WEAK:
        return looks_random(value)
    return True


PROSE_WORDS = wordset(
    "invalid incorrect expired required missing wrong empty not is was must should cannot too "
    "authentication failed mismatch provided set unset changed reset prompt for the a an of to "
    "and or error denied rejected accepted ok okay unknown none null"
)


def is_prose_word(value: str) -> bool:
    """``Invalid token: expired``: after an unquoted ``name:``, an English word is not a value."""
    return value.lower().rstrip(".,;:!") in PROSE_WORDS
