"""API keys as pure functions: format, hash, the role ladder."""

from cospiral.domain import api_keys as rules


def test_new_key_has_its_prefix_and_hashes_stably():
    raw, prefix = rules.new_key()
    assert raw.startswith(f"csp_{prefix}.") and len(prefix) == rules.PREFIX_LENGTH
    assert rules.split_key(raw) == prefix
    assert rules.same_hash(raw, rules.hash_key(raw))
    assert not rules.same_hash(raw + "x", rules.hash_key(raw))
    assert rules.new_key()[0] != raw


def test_malformed_keys_have_no_prefix():
    for raw in ("", "Bearer x", "csp_short.secret", "csp_ABCDEFGH", "csp_ABCDEFGH.sh",
                "xyz_ABCDEFGH.abcdefghijklmnopqrstuvwxyz"):
        assert rules.split_key(raw) is None


def test_role_ladder():
    assert rules.within("observer", "coordinator")
    assert rules.within("facilitator", "facilitator")
    assert not rules.within("coordinator", "partner")
    assert not rules.within("admin", "coordinator")
    assert rules.effective("coordinator", "observer") == "observer"
    assert rules.effective("observer", "coordinator") == "observer"
    assert rules.effective("partner", None) is None
