"""A second implementation of docs/FORMAT.md, used to cross-check format-v1.json with other
libraries: libsodium (PyNaCl) for XChaCha20-Poly1305, the reference Argon2 C code
(argon2-cffi) for Argon2id, hashlib/hmac for SHA-256, HKDF and HMAC, and a small pure-Python
secp256k1 for the BIP32 fingerprint. It checks every positive vector (including re-encrypting
the objects byte for byte) and every negative vector's error kind.

`cargo xtask test` runs it in a cached virtualenv. To run it by hand:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pynacl argon2-cffi
    /tmp/venv/bin/python independent_check.py format-v1.json [../data/bip39-trezor-vectors.json]
"""
import hashlib, hmac, json, os, struct, sys, unicodedata

import nacl.bindings as sodium
from argon2.low_level import Type, hash_secret_raw

V = json.load(open(sys.argv[1]))
MAGIC = b"CAIRN"


class Err(Exception):
    pass


def sha256(b):
    return hashlib.sha256(b).digest()


def hkdf(salt, ikm, info):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def aead_open(key, nonce, aad, sealed):
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, aad, nonce, key)
    except Exception:
        return None


def prefix(obj):
    n = min(len(obj), 5)
    if obj[:n] != MAGIC[:n]:
        raise Err("BadMagic")
    if len(obj) < 6:
        raise Err("Truncated")
    if obj[5] != 1:
        raise Err("UnsupportedVersion")
    if len(obj) < 7:
        raise Err("Truncated")
    if obj[6] not in (1, 2):
        raise Err("Malformed")
    return obj[6]


def check_len_sum(obj, total):
    if len(obj) < total:
        raise Err("Truncated")
    if len(obj) > total:
        raise Err("Malformed")
    if sha256(obj[: total - 32]) != obj[total - 32 :]:
        raise Err("Corrupted")


def password_key(password, salt, m, t, p):
    pw = unicodedata.normalize("NFC", password).encode()
    return hash_secret_raw(pw, salt, time_cost=t, memory_cost=m, parallelism=p, hash_len=32, type=Type.ID, version=19)


def unlock(obj, password):
    if prefix(obj) != 1:
        raise Err("WrongObjectType")
    check_len_sum(obj, 164)
    if obj[23] != 1:
        raise Err("Malformed")
    m, t, p = struct.unpack(">III", obj[24:36])
    if not (1 <= p <= 16 and 1 <= t <= 10 and m <= 262144 and m >= 8 * p and m * t <= 1048576):
        raise Err("KdfParamsOutOfBounds")
    key = password_key(password, obj[36:52], m, t, p)
    epoch_key = aead_open(key, obj[60:84], obj[:84], obj[84:132])
    if epoch_key is None:
        raise Err("WrongPassword")
    return obj[7:23], epoch_key


class R:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise Err("Malformed")
        out = self.b[self.i : self.i + n]
        self.i += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]


N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
LABEL_CHARS = set(b"abcdefghijklmnopqrstuvwxyz0123456789._-")


def utf8(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        raise Err("Malformed")


def decode_plaintext(pt):
    """Returns (identity_bytes, decoded dict) or raises Malformed."""
    r = R(pt)
    kind = r.u8()
    out = {}
    if kind == 1:
        lang = r.u8()
        if lang > 9:
            raise Err("Malformed")
        n = r.u8()
        if n not in (16, 20, 24, 28, 32):
            raise Err("Malformed")
        out.update(kind="mnemonic", language=lang, entropy=r.take(n).hex())
        pl = r.u16()
        if pl > 1024:
            raise Err("Malformed")
        pp = utf8(r.take(pl))
        if unicodedata.normalize("NFKD", pp) != pp:
            raise Err("Malformed")
        out["passphrase"] = pp or None
        flag = r.u8()
        if flag not in (0, 1):
            raise Err("Malformed")
        out["fingerprint"] = r.take(4).hex() if flag else None
    elif kind == 2:
        key_kind = r.u8()
        label = r.take(r.u8())
        if len(label) > 32:
            raise Err("Malformed")
        enc = r.u8()
        wif = None
        if enc == 2:
            ver, comp = r.u8(), r.u8()
            if ver not in (0x80, 0xEF) or comp not in (0, 1):
                raise Err("Malformed")
            wif = (ver, comp)
        elif enc not in (1, 3):
            raise Err("Malformed")
        kl = r.u16()
        if kl > 1024:
            raise Err("Malformed")
        key = r.take(kl)
        if key_kind == 1:
            if label or enc not in (1, 2) or len(key) != 32 or not (1 <= int.from_bytes(key, "big") < N):
                raise Err("Malformed")
        elif key_kind in (2, 3):
            if not (1 <= len(label) <= 32) or not set(label) <= LABEL_CHARS or label == b"secp256k1":
                raise Err("Malformed")
            if key_kind == 2 and (enc != 1 or len(key) != 32):
                raise Err("Malformed")
            if key_kind == 3 and (enc != 3 or not utf8(key).strip()):
                raise Err("Malformed")
        else:
            raise Err("Malformed")
        out.update(kind="private_key", key_kind=key_kind, label=label.decode(), encoding=enc, wif=wif, key=key.hex())
    else:
        raise Err("Malformed")
    identity = pt[: r.i]
    out["updated_at"] = r.u64()
    ll = r.u16()
    if ll > 256:
        raise Err("Malformed")
    out["label"] = utf8(r.take(ll))
    hc = r.u8()
    if hc > 16:
        raise Err("Malformed")
    hints = []
    for _ in range(hc):
        h = r.take(r.u8())
        if not (1 <= len(h) <= 64) or any(c < 0x21 or c > 0x7E for c in h):
            raise Err("Malformed")
        hints.append(h.decode())
    out["chain_hints"] = hints
    if any(pt[r.i :]):
        raise Err("Malformed")
    return identity, out


def open_record(obj, epoch_id, epoch_key):
    if prefix(obj) != 2:
        raise Err("WrongObjectType")
    if len(obj) < 64:
        raise Err("Truncated")
    k = obj[63]
    if k > 4:
        raise Err("Malformed")
    P = 256 << k
    check_len_sum(obj, 136 + P)
    if obj[7:23] != epoch_id:
        raise Err("WrongEpoch")
    record_id = obj[23:55]
    record_key = hkdf(epoch_id, epoch_key, b"cairn/v1/record-key" + record_id)
    pt = aead_open(record_key, obj[64:88], obj[:88], obj[88 : 104 + P])
    if pt is None:
        raise Err("AuthenticationFailed")
    identity, out = decode_plaintext(pt)
    rid_key = hkdf(epoch_id, epoch_key, b"cairn/v1/record-id-key")
    if hmac.new(rid_key, identity, hashlib.sha256).digest() != record_id:
        raise Err("RecordIdMismatch")
    return out, identity, record_id, record_key, pt


# --- secp256k1 fingerprint, pure Python ---
Pp = 2**256 - 2**32 - 977
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798, 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def ec_add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % Pp == 0:
        return None
    if a == b:
        l = 3 * a[0] * a[0] * pow(2 * a[1], -1, Pp) % Pp
    else:
        l = (b[1] - a[1]) * pow(b[0] - a[0], -1, Pp) % Pp
    x = (l * l - a[0] - b[0]) % Pp
    return (x, (l * (a[0] - x) - a[1]) % Pp)


def ec_mul(k):
    r, q = None, G
    while k:
        if k & 1:
            r = ec_add(r, q)
        q = ec_add(q, q)
        k >>= 1
    return r


def fingerprint(phrase_nfkd_words, passphrase):
    seed = hashlib.pbkdf2_hmac("sha512", phrase_nfkd_words.encode(), ("mnemonic" + passphrase).encode(), 2048)
    I = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    x, y = ec_mul(int.from_bytes(I[:32], "big"))
    pub = bytes([2 + (y & 1)]) + x.to_bytes(32, "big")
    return hashlib.new("ripemd160", sha256(pub)).digest()[:4].hex()


# --- checks ---
ok = 0
e = V["epoch"]
inp, exp = e["inputs"], e["expected"]
obj = bytes.fromhex(exp["object"])
assert unicodedata.normalize("NFC", inp["password"]).encode().hex() == exp["password_nfc_utf8"]
kdf = inp["kdf"]
pk = password_key(inp["password"], bytes.fromhex(inp["salt"]), kdf["memory_kib"], kdf["iterations"], kdf["parallelism"])
assert pk.hex() == exp["password_key"], "password key (Argon2id) differs"
epoch_id, epoch_key = unlock(obj, inp["password"])
assert epoch_key.hex() == inp["epoch_key"] and epoch_id.hex() == inp["epoch_id"]
assert hkdf(epoch_id, epoch_key, b"cairn/v1/record-id-key").hex() == exp["record_id_key"]
# Re-encrypt the epoch from inputs with libsodium: byte-for-byte equal?
header = obj[:84]
wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(epoch_key, header, bytes.fromhex(inp["nonce"]), pk)
rebuilt = header + wrapped
rebuilt += sha256(rebuilt)
assert rebuilt == obj
ok += 1

rw = V["rewrapped_epoch"]
rid, rkey = unlock(bytes.fromhex(rw["expected"]["object"]), rw["inputs"]["password"])
assert (rid, rkey) == (epoch_id, epoch_key)
ok += 1

for rec in V["records"]:
    o = bytes.fromhex(rec["expected"]["object"])
    out, identity, record_id, record_key, pt = open_record(o, epoch_id, epoch_key)
    x = rec["expected"]
    assert identity.hex() == x["identity"] and record_id.hex() == x["record_id"] and record_key.hex() == x["record_key"]
    assert pt.hex() == x["padded_plaintext"]
    i = rec["inputs"]
    assert out["label"] == i["label"] and out["chain_hints"] == i["chain_hints"] and out["updated_at"] == i["updated_at"]
    s = i["secret"]
    if s["kind"] == "mnemonic":
        assert out["entropy"] == s["entropy"]
        pp = unicodedata.normalize("NFKD", s["passphrase"] or "")
        assert (out["passphrase"] or "") == pp
        words = unicodedata.normalize("NFKD", x["secret"]["phrase"]).replace("\u3000", " ")
        assert out["fingerprint"] == fingerprint(words, pp) == x["secret"]["fingerprint"], rec["name"]
    else:
        assert out["key"] == x["secret"]["key_bytes"]
    # The object re-sealed from the padded plaintext with libsodium is byte-identical.
    hdr = o[:88]
    again = hdr + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, hdr, bytes.fromhex(i["nonce"]), record_key)
    again += sha256(again)
    assert again == o
    ok += 1

# BIP39 phrases against the trezor reference vectors, if available.
default_ref = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "bip39-trezor-vectors.json")
try:
    ref = json.load(open(sys.argv[2] if len(sys.argv) > 2 else default_ref))
    for rec in V["records"]:
        s = rec["inputs"]["secret"]
        if s["kind"] == "mnemonic":
            phrases = {unicodedata.normalize("NFKD", p) for ent, p, *_ in ref[s["language"]] if ent == s["entropy"]}
            assert unicodedata.normalize("NFKD", rec["expected"]["secret"]["phrase"]) in phrases, rec["name"]
            ok += 1
except FileNotFoundError:
    pass

for n in V["negative"]:
    o = bytes.fromhex(n["object"])
    try:
        if n["operation"] == "unlock_epoch":
            unlock(o, n.get("password", inp["password"]))
        else:
            open_record(o, epoch_id, epoch_key)
        got = "ok"
    except Err as err:
        got = str(err)
    assert got == n["expected_error"], (n["name"], got, n["expected_error"])
    ok += 1
print(f"format-crosscheck: {ok} passed, 0 failed")
