"""The relay's and IT's queries on both engines: dedupe across users, requesters, IT's list
and top subjects, ``meta``, and messages."""

from __future__ import annotations

import threading

import pytest

from jupyter_itbridge.server.store import Store


def insert(store: Store, user: str, subject: str | None, fp: str | None = None, **kw) -> dict:
    return store.insert_request(
        user=user,
        summary=f"{subject} for {user}",
        body="b",
        draft={},
        backend="local",
        kind=kw.pop("kind", "missing_package"),
        subject=subject,
        fingerprint=fp or (f"fp-{subject}" if subject else None),
        **kw,
    )


def test_find_open_by_fingerprint_ignores_the_user(store: Store) -> None:
    a = insert(store, "alice", "pyspark")
    insert(store, "bob", "pyspark")
    assert store.find_open_by_fingerprint("fp-pyspark")["uuid"] == a["uuid"]  # oldest open
    assert store.find_open("carol", "fp-pyspark") is None  # the per-user one stays per user
    store.transition(a["uuid"], "sent", ticket_id="T-1")
    store.transition(a["uuid"], "resolved")
    assert store.find_open_by_fingerprint("fp-pyspark")["user"] == "bob"
    assert store.find_open_by_fingerprint("fp-none") is None


def test_requesters_are_unique_per_request_and_user(store: Store) -> None:
    a = insert(store, "alice", "pyspark")
    assert store.add_requester(a["uuid"], "bob", "quarterly report") is True
    assert store.add_requester(a["uuid"], "bob", "again") is False, "a second +1 is not new"
    assert store.add_requester(a["uuid"], "carol") is True
    people = store.requesters(a["uuid"])
    assert [(p["user"], p["justification"]) for p in people] == [
        ("bob", "quarterly report"),
        ("carol", None),
    ]
    assert isinstance(people[0]["created_at"], float)
    assert store.requesters("no-such") == []


def test_add_requester_races_make_one_row(store_url: str) -> None:
    Store(store_url).close()
    stores = [Store(store_url) for _ in range(4)]
    a = insert(stores[0], "alice", "pyspark")
    barrier, results = threading.Barrier(4), []

    def add(s: Store) -> None:
        barrier.wait()
        results.append(s.add_requester(a["uuid"], "bob", "x"))

    threads = [threading.Thread(target=add, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    for s in stores:
        s.close()


def test_list_all_filters(store: Store) -> None:
    now = 1_000_000.0
    a = insert(store, "alice", "pyspark")
    b = insert(store, "bob", "oracle-client", kind="missing_driver")
    c = insert(store, "carol", "pyspark", fp="fp-other")
    store.update_fields(a["uuid"], created_at=now - 9 * 86400)
    store.update_fields(b["uuid"], created_at=now - 2 * 86400)
    store.update_fields(c["uuid"], created_at=now - 60)
    store.transition(b["uuid"], "sent", ticket_id="T-2")
    store.transition(c["uuid"], "cancelled")
    store.add_requester(a["uuid"], "dave", "me too")

    def ids(**kw) -> list[int]:
        return [r["id"] for r in store.list_all(now=now, **kw)]

    assert ids() == [3, 2, 1]
    assert ids(state="open") == [2, 1] and ids(state="cancelled") == [3]
    assert ids(state=["sent", "cancelled"]) == [3, 2]
    assert ids(kind="missing_driver") == [2] and ids(subject="pyspark") == [3, 1]
    assert ids(user="alice") == [1] and ids(user="dave") == [1], "filers and requesters"
    assert ids(older_than=86400) == [2, 1] and ids(older_than=7 * 86400) == [1]
    assert ids(subject="pyspark", state="open", user="dave", older_than=86400) == [1]
    assert ids(limit=2) == [3, 2] and ids(limit=2, offset=2) == [1]
    assert store.count_all(now=now) == 3 and store.count_all(state="open", now=now) == 2
    assert store.count_all(user="dave", now=now) == 1
    with pytest.raises(ValueError, match="unknown state"):
        store.list_all(state="bogus")


def test_top_subjects_counts_distinct_people_on_open_requests(store: Store) -> None:
    now = 2_000_000.0
    a = insert(store, "alice", "scikit-learn")
    b = insert(store, "bob", "scikit-learn", fp="fp-sk-2")  # a second open request
    for user in ("carol", "dave", "bob"):  # bob filed one and +1'd the other: one person
        store.add_requester(a["uuid"], user)
    o = insert(store, "erin", "oracle-client", kind="missing_driver")
    old = insert(store, "frank", "pandas")
    insert(store, "gina", None)  # no subject: not a "subject"
    store.update_fields(a["uuid"], created_at=now - 9 * 86400)
    store.update_fields(b["uuid"], created_at=now - 86400)
    store.update_fields(o["uuid"], created_at=now - 3600)
    store.transition(old["uuid"], "cancelled")  # closed: not counted
    top = store.top_subjects(now=now)
    assert [(t["subject"], t["kind"], t["users"], t["requests"]) for t in top] == [
        ("scikit-learn", "missing_package", 4, 2),
        ("oracle-client", "missing_driver", 1, 1),
    ]
    assert top[0]["oldest_open_age"] == pytest.approx(9 * 86400)
    assert top[0]["oldest_open_at"] == pytest.approx(now - 9 * 86400)
    assert len(store.top_subjects(limit=1, now=now)) == 1


def test_meta_is_json_and_merges_atomically(store_url: str) -> None:
    store = Store(store_url)
    row = insert(store, "alice", "x", meta={"origin": "server-1"})
    assert row["meta"] == {"origin": "server-1"}
    assert store.merge_meta(row["uuid"], {"relay": "r1", "origin": None}) == {"relay": "r1"}
    others = [Store(store_url) for _ in range(4)]
    barrier = threading.Barrier(4)

    def merge(s: Store, k: int) -> None:
        barrier.wait()
        s.merge_meta(row["uuid"], {f"k{k}": k})

    threads = [threading.Thread(target=merge, args=(s, k)) for k, s in enumerate(others)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get_request(row["uuid"])["meta"] == {
        "relay": "r1",
        "k0": 0,
        "k1": 1,
        "k2": 2,
        "k3": 3,
    }
    with pytest.raises(KeyError):
        store.merge_meta("no-such", {"a": 1})
    for s in [store, *others]:
        s.close()


def test_messages_idempotent_ordered_and_seen(store: Store) -> None:
    a = insert(store, "alice", "pyspark")
    first = store.add_messages(
        a["uuid"],
        [
            {
                "backend_id": "c-2",
                "role": "it",
                "author": "Sam (IT)",
                "text": "Installing",
                "created_at": "2026-01-02T10:00:00Z",
                "public": True,
            },
            {
                "id": 1,
                "role": "user",
                "author": "alice",
                "text": "Thanks",
                "created_at": 1767344400,
            },
            {
                "backend_id": "c-3",
                "role": "it",
                "author": "Sam",
                "text": "internal note",
                "created_at": "2026-01-02T11:00:00+00:00",
                "public": False,
            },
        ],
    )
    assert [m["backend_id"] for m in first] == ["c-2", "1", "c-3"]
    again = store.add_messages(
        a["uuid"], [{"backend_id": "c-2", "role": "it", "text": "changed", "created_at": 5}]
    )
    assert again == [], "the ticket system's id makes a message unique within its request"
    msgs = store.messages(a["uuid"])
    assert [m["backend_id"] for m in msgs] == ["1", "c-2", "c-3"]  # by time
    assert msgs[1]["text"] == "Installing" and msgs[1]["public"] is True
    assert isinstance(msgs[1]["created_at"], float)
    assert [m["backend_id"] for m in store.messages(a["uuid"], public_only=True)] == ["1", "c-2"]
    assert [m["backend_id"] for m in store.messages(a["uuid"], since=1767344400)] == ["c-2", "c-3"]
    assert store.unseen_count(a["uuid"]) == 1  # IT's public one; the note and the user's are not
    assert store.mark_seen(a["uuid"], until="2026-01-02T10:30:00Z") == 2
    assert store.unseen_count(a["uuid"]) == 0
    assert store.mark_seen(a["uuid"]) == 1 and store.mark_seen(a["uuid"]) == 0
    other = insert(store, "bob", "x")
    assert store.add_messages(other["uuid"], [{"backend_id": "c-2", "role": "it", "text": "t"}])


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "it", "text": "no id"},
        {"backend_id": "x", "role": "admin", "text": "bad role"},
        {"backend_id": "x", "role": "it", "text": 5},
        {"backend_id": "x", "role": "it", "text": "t", "created_at": "yesterday"},
    ],
)
def test_a_bad_message_writes_nothing(store: Store, bad: dict) -> None:
    a = insert(store, "alice", "pyspark")
    good = {"backend_id": "ok", "role": "it", "text": "fine"}
    with pytest.raises(ValueError):
        store.add_messages(a["uuid"], [good, bad])
    assert store.messages(a["uuid"]) == []


def test_a_request_filed_straight_into_sent_has_the_history_of_a_move(store: Store) -> None:
    """The relay parks a joining request: one insert, the same rows and history as an insert
    then ``transition(..., "sent")``; a state ``queued`` cannot reach is refused."""
    row = insert(
        store, "bob", "pyspark", state="sent", note="joined #1", meta={"duplicate_of": "x"}
    )
    assert (row["state"], row["meta"], row["next_attempt_at"]) == (
        "sent",
        {"duplicate_of": "x"},
        row["created_at"],
    )
    assert [(e["from_state"], e["to_state"], e["note"]) for e in store.history(row["uuid"])] == [
        (None, "queued", "filed"),
        ("queued", "sent", "joined #1"),
    ]
    assert store.due_requests() == []  # parked: the outbox never delivers it
    with pytest.raises(ValueError, match="cannot go from queued to resolved"):
        insert(store, "bob", "numpy", state="resolved")
    assert store.list_requests("bob") == [store.get_request(row["uuid"])]  # nothing else filed


def test_comment_and_update_is_one_step_returning_the_row(store: Store) -> None:
    a = insert(store, "alice", "pyspark")
    row = store.comment_and_update(
        a["uuid"], "bob", "plus_one", "+1 from bob", meta={"joined": ["j"]}
    )
    assert row == store.get_request(a["uuid"])
    assert row["meta"] == {"joined": ["j"]} and row["updated_at"] >= a["updated_at"]
    [comment] = store.comments(a["uuid"])
    assert (comment["user"], comment["kind"], comment["text"], comment["delivered"]) == (
        "bob",
        "plus_one",
        "+1 from bob",
        0,
    )
    with pytest.raises(KeyError):
        store.comment_and_update("no-such", "bob", "plus_one", "x", meta={})
    assert store.comments("no-such") == []
