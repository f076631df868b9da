"""Keyed tamper evidence: Ed25519 signatures over the chain's heads, with a key kept outside the
store.

The hash chain (:mod:`orgevents.chain`) shows edits, deletions and reorderings, but anyone who can
write to the database can append an event with a correctly recomputed link. A writer that holds
the signing key (``orgevents --signing-key FILE``) therefore also signs the head its write ends at
— ``SEQ:HASH``, the same text ``verify`` prints — inside the same transaction, into a table of
signed heads. ``verify --public-key FILE`` then requires the log's last event to be a head signed
by that key: an event appended without the key (by SQL, or by a writer without ``--signing-key``)
is reported, and so are signed heads the log no longer reaches (events removed from the end).

A writer with the key refuses to sign on top of a head it did not sign — so that it never vouches
for a forged append — except on an empty store; a store written before it had a key gets its
first signed head from ``orgevents keys sign-head``, after the whole chain has been checked.

A **checkpoint** is one signed head in a small JSON file: anyone with the public key can check
it, keep it away from the store and later pass it to ``verify --checkpoint``, which also catches a
log cut back to an earlier signed head (with the signed heads after it removed).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from orgevents.errors import OrgEventsError, StoreError

HEADS_TABLE = "orgevents_heads"
CHECKPOINT_FORMAT = "orgevents-checkpoint/1"


class SigningKeyError(OrgEventsError):
    """A key file could not be read, or a signed head does not fit the log."""


class UnsignedHeadError(StoreError):
    """A writer with the key found the log's last event not signed by it: nothing was written
    (over HTTP: 503, the store cannot be written safely until someone looks)."""


def head_message(seq: int, hash_: str) -> bytes:
    """The bytes a head's signature covers."""
    return f"orgevents-head/1\n{seq}:{hash_}".encode()


def _key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return _key_id(self.key)

    def verifies(self, seq: int, hash_: str, signature: str) -> bool:
        try:
            self.key.verify(base64.b64decode(signature, validate=True), head_message(seq, hash_))
        except (InvalidSignature, ValueError):
            return False
        return True

    def pem(self) -> bytes:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.key.public_key())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, seq: int, hash_: str) -> str:
        return base64.b64encode(self.key.sign(head_message(seq, hash_))).decode()


@dataclass(frozen=True)
class SignedHead:
    key_id: str
    seq: int
    hash: str
    signature: str


def sign_after(
    signer: Signer,
    last: tuple[int, str] | None,
    signed: SignedHead | None,
    new: tuple[int, str],
) -> SignedHead:
    """The signed head for ``new`` (seq, hash), the head a write ends at — refused when the log's
    last event before the write (``last``, None if the log was empty) is not the newest head this
    key signed (``signed``)."""
    if last is not None:
        check_previous(signer, last, signed)
    return SignedHead(signer.key_id, new[0], new[1], signer.sign(*new))


def check_previous(signer: Signer, last: tuple[int, str], signed: SignedHead | None) -> None:
    """Refuse to sign on top of a head this key did not sign (``last``: the log's last event as
    (seq, hash); ``signed``: the newest head this key signed)."""
    if signed is None:
        raise UnsignedHeadError(
            f"the store's events are not signed by key {signer.key_id}: check them with "
            "`orgevents verify` and sign the head once with `orgevents keys sign-head`"
        )
    if (signed.seq, signed.hash) != last or not signer.public.verifies(
        signed.seq, signed.hash, signed.signature
    ):
        raise UnsignedHeadError(
            f"the store's last event (#{last[0]}) is not the head key {signer.key_id} signed "
            f"(#{signed.seq}): events were appended without the key or outside orgevents; "
            "nothing was written — run `orgevents verify --public-key FILE` to see them"
        )


# --- key files -----------------------------------------------------------------------------------


def new_key(out: Path) -> tuple[Signer, Path]:
    """A new key: the private key in ``out`` (PEM, readable by its owner only) and the public key
    beside it (``NAME.pub.pem``). Never overwrites."""
    public_path = out.with_name(out.name.removesuffix(".pem") + ".pub.pem")
    for path in (out, public_path):
        if path.exists():
            raise SigningKeyError(f"{path} exists already; a key is never overwritten")
    signer = Signer(Ed25519PrivateKey.generate())
    data = signer.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    public_path.write_bytes(signer.public.pem())
    return signer, public_path


def _read(path: Path | str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise SigningKeyError(f"cannot read key file {str(path)!r}: {reason}") from None


def load_signing_key(path: Path | str) -> Signer:
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{path}: not an unencrypted PEM private key ({exc}); make one with "
            "`orgevents keys new --out FILE`"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 key; make one with `orgevents keys new`")
    return Signer(key)


def load_public_key(path: Path | str) -> PublicKey:
    """The public key in ``path`` — a public key file, or the private key file itself."""
    data = _read(path)
    if b"PRIVATE KEY" in data:
        return load_signing_key(path).public
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: not an Ed25519 public key")
    return PublicKey(key)


# --- checkpoints -------------------------------------------------------------------------------


def checkpoint_json(head: SignedHead) -> str:
    doc = {
        "format": CHECKPOINT_FORMAT,
        "key": head.key_id,
        "seq": head.seq,
        "hash": head.hash,
        "anchor": f"{head.seq}:{head.hash}",
        "signature": head.signature,
    }
    return json.dumps(doc, indent=2) + "\n"


def read_checkpoint(path: Path | str, public: PublicKey) -> SignedHead:
    """The signed head a checkpoint file holds, its signature checked with ``public``."""
    try:
        doc: Any = json.loads(_read(path))
    except ValueError:
        raise SigningKeyError(f"{path}: not a checkpoint (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != CHECKPOINT_FORMAT:
        raise SigningKeyError(f"{path}: not a checkpoint (format is not {CHECKPOINT_FORMAT!r})")
    seq, hash_, sig, key = doc.get("seq"), doc.get("hash"), doc.get("signature"), doc.get("key")
    if not (isinstance(seq, int) and isinstance(hash_, str) and isinstance(sig, str)):
        raise SigningKeyError(f"{path}: a checkpoint needs seq, hash and signature")
    if key != public.key_id:
        raise SigningKeyError(
            f"{path}: signed by key {key}, not by the public key given ({public.key_id})"
        )
    if not public.verifies(seq, hash_, sig):
        raise SigningKeyError(
            f"{path}: the signature does not verify with key {public.key_id}: the checkpoint "
            "was altered or forged"
        )
    return SignedHead(public.key_id, seq, hash_, sig)
