"""`observatoire load` and the serving layout: what can be checked without a server under load."""

from __future__ import annotations

import pytest

from observatoire.cli import main
from observatoire.load import procs, wire
from observatoire.load.report import percentile, summary, text
from observatoire.load.run import UsageError, check
from observatoire.serve import write_config


@pytest.mark.parametrize("url", ["http://example.org:8501", "http://10.0.0.5:8501", "ftp://127.0.0.1:21",
                                 "http://127.0.0.2:8501"])
def test_only_a_loopback_server_is_accepted(url):
    with pytest.raises(UsageError, match="seul un serveur local"):
        check(url, 10, 60)


def test_the_command_refuses_a_remote_url_in_french(capsys):
    assert main(["load", "--url", "http://example.org", "--sessions", "2", "--duration", "5"]) == 2
    assert "seul un serveur local est accepté" in capsys.readouterr().err


@pytest.mark.parametrize(("sessions", "duration"), [(0, 10), (201, 10), (10, 0), (10, 1801)])
def test_count_and_time_are_bounded(sessions, duration):
    with pytest.raises(UsageError):
        check("http://127.0.0.1:8501", sessions, duration)


def test_the_stream_url_follows_the_page_url():
    assert check("http://localhost:8600/", 3, 10) == ("ws://localhost:8600/_stcore/stream", 8600)


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, .5) == 50 and percentile(values, .95) == 95 and percentile([], .5) is None


def test_summary_counts_kinds_errors_and_memory():
    result = {"sessions": 2, "duration_s": 10, "elapsed_s": 10.0, "url": "http://127.0.0.1:1", "server_cpu_s": 1.5,
              "server_pids": [1], "memory_bytes": [100 * 2**20, 150 * 2**20, 120 * 2**20],
              "samples": [{"kind": "ouverture", "seconds": 2.0, "error": None},
                          {"kind": "filtre", "seconds": 0.5, "error": None},
                          {"kind": "changement de page", "seconds": 1.0, "error": None},
                          {"kind": "filtre", "seconds": 60.0, "error": "pas de fin d'exécution en 60 s"}]}
    figures = summary(result)
    assert figures["kinds"]["ouverture"]["p50_s"] == 2.0
    assert figures["interactions"]["count"] == 2 and figures["interactions"]["p95_s"] == 1.0
    assert figures["errors"] == 1
    assert figures["memory_mb"] == {"start": 100, "max": 150, "end": 120, "processes": 1}
    report = text(result, figures)
    assert "| filtre | 1 | 0,50 s |" in report and "150 Mo au plus haut" in report


def test_a_rerun_message_carries_page_query_and_widget():
    back_msg, forward_msg, _ = wire.messages()
    msg = back_msg()
    msg.ParseFromString(wire.rerun("axe-1", {"circonscription": "Cayenne 1"}, {"$$ID-abc-circonscription": "Kourou"}))
    state = msg.rerun_script
    assert (state.page_name, state.query_string) == ("axe-1", "circonscription=Cayenne+1")
    assert [(w.id, w.string_value) for w in state.widget_states.widgets] == [("$$ID-abc-circonscription", "Kourou")]
    # A run is over on script_finished; an exception element is recorded.
    run = wire.Run()
    finished = forward_msg()
    finished.script_finished = wire.FINISHED
    wire.read(finished.SerializeToString(), run)
    assert run.done


def test_nginx_config_listens_on_loopback_and_is_sticky(tmp_path):
    config = write_config(tmp_path, 8600, [41001, 41002]).read_text()
    assert "listen 127.0.0.1:8600;" in config
    assert "least_conn;" in config and "Upgrade $http_upgrade" in config
    # The route cookie is read against the list of processes only: any other value is a new visitor.
    assert '"41001" observatoire_41001;' in config and "default observatoire;" in config
    assert "upstream observatoire_41002 { server 127.0.0.1:41002" in config
    assert procs.upstream_ports(tmp_path / "nginx.conf") == [41001, 41002]
    assert str(tmp_path) in config and "/var/" not in config and "/etc/" not in config


def test_memory_and_cpu_of_this_process_are_read_from_proc():
    import os

    assert procs.rss_bytes([os.getpid()]) > 10 * 2**20
    assert procs.cpu_seconds([os.getpid()]) > 0
