"""Loading articles: parse, segment, store, and announce them (candidate precompute and the
article.loaded webhook follow once they are committed).

Every entry point calls ingest_articles(): the load_articles command and the admin upload
through ingest_files() (seed-format files), the API with articles it read from JSON.
"""

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Model
from django.dispatch import Signal
from django.utils import timezone

from annotations.bulk import insert_rows, insert_rows_returning_ids
from annotations.jobs import JobStatus, queue_on_commit
from annotations.webhooks.models import WebhookEvent
from annotations.webhooks.services import emit

from .models import Article, Sentence
from .seedfile import MAX_FILE_BYTES, SeedArticle, SeedFileError, parse_seed_file
from .segmenter import iter_sentences
from .selectors import newest_first_cover, search_index_parts, search_part_name
from .tasks import split_search_index_task

logger = logging.getLogger(__name__)

LOADED, PRESENT, FAILED = "loaded", "present", "failed"
BATCH_SIZE = 200
# A load of at least this many articles refreshes the planner's statistics when it ends.
ANALYZE_AFTER = BATCH_SIZE
SENTENCE_COLUMNS = ("article", "index", "paragraph", "start", "end", "text")
# The sentences' columns a load re-analyzes. Naming them skips the statistics of the full-text
# index's expression, which cost PostgreSQL a to_tsvector() per sampled row: 0.6 of a 2.9 s
# load of 1,000 articles (bench/load_articles.py). Autovacuum gathers those in the background,
# and the earlier ones stay meanwhile.
SENTENCE_STATISTICS = ("article", "index", "paragraph")
# The search index's expression, as migration 0003 and search_sentences() have it.
SEARCH_DOCUMENT = "to_tsvector('english'::regconfig, COALESCE(text, ''))"
# pg_advisory_lock's key while the search index is split: one split at a time.
SEARCH_SPLIT_LOCK = 160_003

# Sent inside the transaction that stores new articles, with their ids (article_ids=[...]); a
# receiver that queues work does so on commit. Detection listens and queues their candidate
# precompute (connected in apps.py): the corpus knows nothing of detection, which builds on it.
articles_stored = Signal()


@dataclass(frozen=True)
class LoadOutcome:
    source_name: str
    status: str  # LOADED, PRESENT or FAILED
    message: str = ""
    article_id: int | None = None
    sentence_count: int = 0
    field: str = ""  # a failure's SeedArticle field ("url", "body"...), where it has one


def seed_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The seed files named by paths: files as given, folders expanded to their *.txt files."""
    found = []
    for path in map(Path, paths):
        found.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path])
    return found


def read_seed_files(paths: Iterable[Path]) -> Iterator[tuple[str, bytes | SeedFileError]]:
    """(name, bytes) per path; an unreadable file yields its error rather than stop the run."""
    for path in paths:
        try:
            with path.open("rb") as handle:
                # Read one byte past the limit so the parser can report an oversized file.
                yield str(path), handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            yield str(path), SeedFileError(str(path), None, f"cannot read file: {error.strerror}")


def uploaded_files(uploads: Iterable) -> list[tuple[str, bytes]]:
    """(name, bytes) of uploaded files (admin form, API), as ingest_files() takes them."""
    # One byte past the limit, so the parser can report an oversized file.
    return [(upload.name, upload.read(MAX_FILE_BYTES + 1)) for upload in uploads]


def ingest_files(
    files: Iterable[tuple[str, bytes | SeedFileError]], *, batch_size: int = BATCH_SIZE
) -> Iterator[LoadOutcome]:
    """Load seed files, yielding one outcome per file in order (see ingest_articles)."""
    return _ingest(files, _parse_and_segment, batch_size)


def _parse(file: tuple[str, bytes | SeedFileError]) -> SeedArticle | SeedFileError:
    name, data = file
    if isinstance(data, SeedFileError):
        return data
    try:
        return parse_seed_file(name, data)
    except SeedFileError as error:
        return error


def ingest_articles(
    articles: Iterable[SeedArticle | SeedFileError], *, batch_size: int = BATCH_SIZE
) -> Iterator[LoadOutcome]:
    """Store articles, yielding one outcome per article (or per file that failed) in order.

    Articles are segmented before anything is written, so a bad one never leaves a partial
    article. Valid new articles of a batch are written in one transaction with bulk inserts; if
    that transaction fails (a concurrent load of the same URL), the batch is retried one article
    per transaction so one conflict cannot hold back the others.
    """
    return _ingest(articles, _segment, batch_size)


def _ingest(items: Iterable, prepare: Callable, batch_size: int) -> Iterator[LoadOutcome]:
    loaded = 0
    for batch in _prepared_batches(items, prepare, batch_size):
        outcomes = _ingest_batch(batch)
        loaded += sum(outcome.status == LOADED for outcome in outcomes)
        yield from outcomes
    if loaded >= ANALYZE_AFTER:
        analyze_tables(Article, (Sentence, SENTENCE_STATISTICS))
        queue_on_commit(split_search_index_task.delay, "the search index's split")


def analyze_tables(*tables: type[Model] | tuple[type[Model], Sequence[str]]) -> None:
    """Refresh PostgreSQL's statistics of the models' tables after a bulk write: autovacuum may
    be off or late, and plans made from the statistics of an emptier table can scan it whole.
    A (model, fields) pair analyzes only those columns (and still counts the rows). Nothing to
    do on SQLite."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    names = []
    for table in tables:
        model, fields = table if isinstance(table, tuple) else (table, ())
        columns = ", ".join(quote(model._meta.get_field(field).column) for field in fields)
        names.append(quote(model._meta.db_table) + (f" ({columns})" if columns else ""))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(names)}")


# A sentence as a load carries it: (paragraph, start, end), its text being body[start:end].
# Plain tuples cross to and from the segmenting process 15 times faster than SentenceSpans.
SentenceOffsets = tuple[int, int, int]
Segmented = tuple[SeedArticle, list[SentenceOffsets]]
Prepared = tuple[Segmented | LoadOutcome, ...]


def _prepared_batches(items: Iterable, prepare: Callable, batch_size: int) -> Iterator[Prepared]:
    """The items in batches of batch_size, each item prepared (parsed, segmented, or failed).

    A load of more than one batch prepares each next batch in a forked process while the caller
    writes the current one: Python's share of a load (parsing, segmenting) then runs beside
    PostgreSQL's (COPY, indexes, checks at commit) instead of after it (bench/load_articles.py).
    The child only computes; it never touches the database connection it inherits.
    """
    items = iter(items)
    chunks = iter(lambda: tuple(islice(items, batch_size)), ())
    batch = _prepare_all(prepare, next(chunks, ()))
    following = next(chunks, None)
    if following is None:  # one batch at most, as most uploads: no process
        if batch:
            yield batch
        return
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=fork) as pool:
        while following is not None:
            ahead = pool.submit(_prepare_all, prepare, following)
            yield batch
            submitted, following = following, next(chunks, None)  # read while it prepares
            try:
                batch = ahead.result()
            except BrokenProcessPool:
                # Killed from outside (out of memory?): the load goes on in this process alone.
                logger.warning("a load's segmenting process stopped; the load goes on without it")
                rest = chain([submitted], [following] if following is not None else [], chunks)
                yield from (_prepare_all(prepare, chunk) for chunk in rest)
                return
        yield batch


def _prepare_all(prepare: Callable, items: tuple) -> Prepared:
    return tuple(map(prepare, items))


def _parse_and_segment(file: tuple[str, bytes | SeedFileError]) -> Segmented | LoadOutcome:
    return _segment(_parse(file))


def _segment(item: SeedArticle | SeedFileError) -> Segmented | LoadOutcome:
    if isinstance(item, SeedFileError):
        return LoadOutcome(item.source_name, FAILED, str(item), field=item.field)
    limit = settings.ARTICLE_MAX_SENTENCES
    # Segmenting stops one sentence past the limit: a 5 MB file of one-line sentences would
    # take seconds to split whole only to be refused.
    spans = [
        (span.paragraph, span.start, span.end)
        for span in islice(iter_sentences(item.body), limit + 1)
    ]
    if len(spans) > limit:
        return LoadOutcome(
            item.source_name,
            FAILED,
            f"{item.source_name}: the article has more than {limit:,} sentences, the most "
            "one article may have (ARTICLE_MAX_SENTENCES); split it into several articles.",
            field="body",
        )
    return item, spans


def _ingest_batch(batch: tuple[Segmented | LoadOutcome, ...]) -> list[LoadOutcome]:
    outcomes: dict[int, LoadOutcome] = {}
    segmented: dict[int, Segmented] = {}
    for position, item in enumerate(batch):
        if isinstance(item, LoadOutcome):
            outcomes[position] = item
        else:
            segmented[position] = item

    urls = [seed.url for seed, _ in segmented.values()]
    existing = Article.objects.in_bulk(urls, field_name="url")
    new: dict[int, Segmented] = {}
    seen_in_batch: dict[str, SeedArticle] = {}
    for position, (seed, spans) in segmented.items():
        earlier = existing.get(seed.url) or seen_in_batch.get(seed.url)
        if earlier is None:
            new[position] = (seed, spans)
            seen_in_batch[seed.url] = seed
        else:
            outcomes[position] = _compare_with_stored(seed, earlier)
    if new:
        try:
            outcomes.update(store_segmented(new))
        except IntegrityError:
            for position, item in new.items():
                outcomes.update(_store_one_or_report(position, item))
    return [outcomes[position] for position in range(len(batch))]


def _compare_with_stored(seed: SeedArticle, stored: Article | SeedArticle) -> LoadOutcome:
    """Loading the same article again is a no-op; the same URL with other content is refused."""
    article_id = stored.pk if isinstance(stored, Article) else None
    differences = [
        field
        for field, ours, theirs in (
            ("body text", seed.content_hash, stored.content_hash),
            ("title", seed.title, stored.title),
            ("publication date", seed.published_on, stored.published_on),
        )
        if ours != theirs
    ]
    if not differences:
        return LoadOutcome(seed.source_name, PRESENT, "already loaded", article_id)
    where = f"article #{article_id}" if article_id else "another file in this run"
    return LoadOutcome(
        seed.source_name,
        FAILED,
        f"{seed.source_name}: {seed.url} is already loaded ({where}) with a different "
        f"{' and '.join(differences)}; stored articles never change because annotations point "
        "at their text. Give the new version its own URL or delete the old article first.",
        article_id,
        field="url",
    )


def _store_one_or_report(position: int, item: Segmented) -> dict[int, LoadOutcome]:
    seed = item[0]
    try:
        return store_segmented({position: item})
    except IntegrityError:
        stored = Article.objects.filter(url=seed.url).first()
        if stored is None:
            logger.exception("storing %s failed", seed.source_name)
            return {position: LoadOutcome(seed.source_name, FAILED, "database refused the article")}
        return {position: _compare_with_stored(seed, stored)}


@transaction.atomic
def store_segmented(items: dict[int, Segmented]) -> dict[int, LoadOutcome]:
    """Write new articles and their sentences in one transaction, with bulk writes; announce them
    (articles_stored; the article.loaded webhook, recorded in this transaction). items: position
    in the run -> article."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    articles = [_article_row(seed, len(spans), now) for seed, spans in items.values()]
    article_ids = insert_rows_returning_ids(
        Article, tuple(articles[0]), [tuple(row.values()) for row in articles]
    )
    sentence_rows = []
    outcomes = {}
    for (position, (seed, spans)), article_id in zip(items.items(), article_ids, strict=True):
        body = seed.body
        sentence_rows.extend(
            (article_id, index, paragraph, start, end, body[start:end])
            for index, (paragraph, start, end) in enumerate(spans)
        )
        outcomes[position] = LoadOutcome(seed.source_name, LOADED, "", article_id, len(spans))
    insert_rows(Sentence, SENTENCE_COLUMNS, sentence_rows)
    loaded = {
        f"article-{article_id}": {
            "id": article_id,
            "url": seed.url,
            "title": seed.title,
            "sentences": len(spans),
        }
        for article_id, (seed, spans) in zip(article_ids, items.values(), strict=True)
    }
    articles_stored.send(Article, article_ids=article_ids)
    emit(WebhookEvent.ARTICLE_LOADED, loaded)
    return outcomes


def _article_row(seed: SeedArticle, sentence_count: int, now: object) -> dict[str, object]:
    """Article field -> value in database form, as insert_rows() takes them."""
    return {
        "title": seed.title,
        "url": seed.url,
        "published_on": connection.ops.adapt_datefield_value(seed.published_on),
        "body": seed.body,
        "content_hash": seed.content_hash,
        "source_name": Path(seed.source_name).name,
        "precompute_status": JobStatus.PENDING.value,
        "precompute_error": "",
        "precompute_queued_at": now,
        "locked": False,
        "hidden": False,
        "created_at": now,
        "sentence_count": sentence_count,
    }


def split_search_index() -> list[str]:
    """Cut the open part of the sentence search index (where new sentences go) into closed parts
    of SEARCH_PART_SIZE sentence ids each, leaving open the ids after the last full part. A
    search then reads the newest part first and stops once it has enough matches
    (selectors._first_matches).
    Each part is built CONCURRENTLY, loads and labels going on meanwhile, then the parts it
    replaces are dropped; until then searches use the old ones. Returns the names of the parts
    built. PostgreSQL only, outside a transaction; one split at a time (a second returns [])."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SEARCH_SPLIT_LOCK])
        if not cursor.fetchone()[0]:
            return []
        try:
            return _split_search_index(cursor, settings.SEARCH_PART_SIZE)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SEARCH_SPLIT_LOCK])


def _split_search_index(cursor, part_size: int) -> list[str]:
    for leftover in search_index_parts(valid=False):  # a build that failed; rebuilt below
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {leftover.name}")
    cover = newest_first_cover(search_index_parts())
    if not cover:
        logger.warning("the search index's parts do not cover every sentence: not split")
        return []
    first = cover[0].first_id
    last_id = Sentence.objects.aggregate(last=Max("pk"))["last"] or 0
    built = []
    while first + part_size <= last_id:  # a full part, with sentences after it
        built.append(_build_search_part(cursor, first, first + part_size))
        first += part_size
    if built:
        built.append(_build_search_part(cursor, first, None))
    parts = search_index_parts()
    kept = newest_first_cover(parts)
    for part in parts:
        if part not in kept:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {part.name}")
    return built


def _build_search_part(cursor, first_id: int, end_id: int | None) -> str:
    """The part over ids first_id to end_id (None: every later one), built; its name."""
    name = search_part_name(first_id, end_id)
    ids = f"id >= {first_id}" + (f" AND id < {end_id}" if end_id else "")
    # A short pending list, as migration 0024 gives the whole index.
    cursor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {Sentence._meta.db_table} "
        f"USING gin ({SEARCH_DOCUMENT}) WITH (gin_pending_list_limit = 256) WHERE {ids}"
    )
    return name
