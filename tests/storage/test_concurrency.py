"""Concurrent writers, as the threads of several server workers are: on SQLite (WAL and a
busy timeout) and on PostgreSQL, none is refused and nothing is lost."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from moodtunes.storage.feedback import record_feedback
from moodtunes.storage.library import ensure_profile
from moodtunes.storage.models import FeedbackEventRow, TrackRow
from moodtunes.storage.tracks import seed_builtin

WRITERS = 20
LIKES = 25


def test_twenty_concurrent_writers_lose_and_refuse_nothing(
        sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as db:
        seed_builtin(db)
        track_ids = list(db.scalars(select(TrackRow.id).order_by(TrackRow.id).limit(LIKES)))
        # Half the writers share one profile: every like also bumps its version row, the
        # hottest row there is; the others have a profile each.
        shared = ensure_profile(db, None).id
        own = [ensure_profile(db, None).id for _ in range(WRITERS // 2)]
    profiles = [shared] * (WRITERS - len(own)) + own
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(profile_id: str) -> None:
        try:
            start.wait()
            for track_id in track_ids:  # one transaction per like, as one request makes
                with sessions.begin() as db:
                    record_feedback(db, profile_id, track_id, "like")
        except BaseException as exc:  # noqa: BLE001  # reported below, with its message
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in profiles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, f"{len(errors)} writers failed, the first with: {errors[0]!r}"
    with sessions() as db:
        stored = db.scalar(select(func.count()).select_from(FeedbackEventRow))
        per_profile = {profile: count for profile, count in db.execute(
            select(FeedbackEventRow.profile_id, func.count())
            .group_by(FeedbackEventRow.profile_id))}
    assert stored == WRITERS * LIKES
    assert per_profile[shared] == (WRITERS - len(own)) * LIKES
