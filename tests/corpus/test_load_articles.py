import os

import pytest
from django.core.management import CommandError, call_command

from annotations.corpus import services
from annotations.corpus.models import Article, Sentence
from annotations.corpus.seedfile import SeedFileError, parse_seed_file
from annotations.jobs import JobStatus
from tests.conftest import SEED_ARTICLE, SEEDS, seed_text

pytestmark = pytest.mark.django_db
RACED = "https://e.com/raced"
LOADING_PROCESS = os.getpid()
PREPARE_ALL = services._prepare_all


def prepare_all_dying_in_a_child(prepare, items):
    """services._prepare_all, except that a process forked from this one dies on it, as if
    killed from outside."""
    if os.getpid() != LOADING_PROCESS:
        os._exit(1)
    return PREPARE_ALL(prepare, items)


def load(*paths, capsys=None):
    call_command("load_articles", *map(str, paths))
    return capsys.readouterr() if capsys else None


def test_it_loads_the_seed_folder_with_exact_offsets(capsys):
    output = load(SEEDS, capsys=capsys)
    article = Article.objects.get()
    sentences = list(article.sentences.all())
    assert len(sentences) == 19
    assert [s.index for s in sentences] == list(range(19))
    assert all(article.body[s.start : s.end] == s.text for s in sentences)
    assert all(a.end <= b.start for a, b in zip(sentences, sentences[1:], strict=False))
    assert article.source_name == SEED_ARTICLE.name
    assert "1 loaded, 0 already present, 0 failed" in output.out


def test_loading_the_same_file_twice_changes_nothing(capsys):
    load(SEED_ARTICLE)
    before = list(Sentence.objects.values_list("pk", "start", "end", "text"))
    output = load(SEED_ARTICLE, SEEDS, capsys=capsys)
    assert Article.objects.count() == 1
    assert list(Sentence.objects.values_list("pk", "start", "end", "text")) == before
    assert "0 loaded, 2 already present, 0 failed" in output.out


def test_the_same_url_with_other_text_is_refused(tmp_path, capsys):
    first = tmp_path / "first.txt"
    first.write_bytes(seed_text(body="Original text."))
    load(first)
    changed = tmp_path / "changed.txt"
    changed.write_bytes(seed_text(body="Edited text."))
    with pytest.raises(CommandError, match="1 of 1 files failed"):
        load(changed)
    err = capsys.readouterr().err
    assert "changed.txt" in err and "already loaded" in err and "different body text" in err
    assert Article.objects.get().body == "Original text."


def test_a_bad_file_fails_alone_and_the_command_exits_non_zero(tmp_path, capsys):
    (tmp_path / "a_good.txt").write_bytes(seed_text(url="https://e.com/good"))
    (tmp_path / "b_bad.txt").write_bytes(seed_text(date="20221399", url="https://e.com/bad"))
    (tmp_path / "c_good.txt").write_bytes(seed_text(url="https://e.com/other"))
    with pytest.raises(CommandError):
        load(tmp_path)
    captured = capsys.readouterr()
    assert "b_bad.txt, line 2: '20221399' is not a real calendar date" in captured.err
    assert "2 loaded, 0 already present, 1 failed" in captured.out
    assert set(Article.objects.values_list("url", flat=True)) == {
        "https://e.com/good",
        "https://e.com/other",
    }


def test_two_files_with_one_url_in_one_run_load_once(tmp_path, capsys):
    (tmp_path / "a.txt").write_bytes(seed_text())
    (tmp_path / "b.txt").write_bytes(seed_text())
    load(tmp_path, capsys=capsys)
    assert Article.objects.count() == 1


def test_a_missing_path_is_reported(tmp_path, capsys):
    with pytest.raises(CommandError):
        load(tmp_path / "nope.txt")
    assert "cannot read file" in capsys.readouterr().err


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no seed files"):
        load(tmp_path)


def test_many_files_load_in_batches_and_all_get_precomputed(
    tmp_path, capsys, django_capture_on_commit_callbacks
):
    for number in range(450):
        (tmp_path / f"{number:03}.txt").write_bytes(
            seed_text(url=f"https://e.com/{number}", body=f"Sentence {number}. Another one.")
        )
    with django_capture_on_commit_callbacks(execute=True):
        output = load(tmp_path, capsys=capsys)
    assert "450 loaded" in output.out
    assert Sentence.objects.count() == 900
    assert Article.objects.filter(precompute_status=JobStatus.DONE).count() == 450


def test_a_load_of_many_batches_reports_every_file_in_order_with_its_sentences(settings):
    # Each batch after the first is parsed and segmented in another process while the one
    # before is written: every kind of outcome comes back from it, in the files' order.
    settings.ARTICLE_MAX_SENTENCES = 3
    files = [
        ("a.txt", seed_text(url="https://e.com/a", body="First one. Second one.")),
        ("b.txt", seed_text(date="20221399", url="https://e.com/b")),
        ("c.txt", SeedFileError("c.txt", None, "cannot read file: Permission denied")),
        ("d.txt", seed_text(url="https://e.com/a", body="First one. Second one.")),
        ("e.txt", seed_text(url="https://e.com/e", body="One. Two. Three. Four.")),
        ("f.txt", seed_text(url="https://e.com/f", body="Last para.\nWith two lines.")),
    ]
    outcomes = list(services.ingest_files(files, batch_size=2))
    assert [(o.source_name, o.status, o.field) for o in outcomes] == [
        ("a.txt", "loaded", ""),
        ("b.txt", "failed", "published_on"),
        ("c.txt", "failed", "body"),
        ("d.txt", "present", ""),
        ("e.txt", "failed", "body"),
        ("f.txt", "loaded", ""),
    ]
    assert "b.txt, line 2" in outcomes[1].message
    assert outcomes[2].message == "c.txt: cannot read file: Permission denied"
    assert "more than 3 sentences" in outcomes[4].message
    last = Article.objects.get(url="https://e.com/f")
    assert [(s.paragraph, s.text) for s in last.sentences.order_by("index")] == [
        (0, "Last para."),
        (1, "With two lines."),
    ]
    assert all(last.body[s.start : s.end] == s.text for s in last.sentences.all())
    assert Article.objects.count() == 2


def test_a_load_goes_on_when_its_segmenting_process_is_killed(monkeypatch, caplog):
    monkeypatch.setattr(services, "_prepare_all", prepare_all_dying_in_a_child)
    files = [
        (f"{n}.txt", seed_text(url=f"https://e.com/{n}", body=f"Story {n} began. It ended."))
        for n in range(7)
    ]
    outcomes = list(services.ingest_files(files, batch_size=2))
    assert [outcome.status for outcome in outcomes] == ["loaded"] * 7
    texts = Sentence.objects.order_by("article__url", "index").values_list("text", flat=True)
    assert list(texts) == [text for n in range(7) for text in (f"Story {n} began.", "It ended.")]
    assert "segmenting process stopped" in caplog.text


def test_an_article_stored_by_a_concurrent_load_is_reported_and_the_rest_still_load(
    tmp_path, capsys, monkeypatch
):
    (tmp_path / "a_raced.txt").write_bytes(seed_text(url=RACED))
    (tmp_path / "b_new.txt").write_bytes(seed_text(url="https://e.com/new", body="Fresh text."))
    store_segmented, batches = services.store_segmented, []

    def store(items):
        # Between this run's check for stored URLs and its write, another process loads one.
        if not Article.objects.filter(url=RACED).exists():
            seed = parse_seed_file("other", seed_text(url=RACED))
            store_segmented({0: services._segment(seed)})
        batches.append(len(items))
        return store_segmented(items)

    monkeypatch.setattr(services, "store_segmented", store)
    output = load(tmp_path, capsys=capsys)
    # The batch's write failed on the raced URL, then each article was written on its own.
    assert batches == [2, 1, 1]
    assert "1 loaded, 1 already present, 0 failed" in output.out
    assert Article.objects.get(url="https://e.com/new").sentences.get().text == "Fresh text."
    assert Article.objects.get(url=RACED).source_name == "other"
