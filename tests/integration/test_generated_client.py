"""Issue 17, part 8: a client generated from the live server's /openapi.json works against that server.

openapi-python-client makes the client in a temporary folder; every call below goes through its own request
building and response parsing, which fail on an answer its document does not describe.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.support.alerts import SECRET
from tests.support.events import inference
from tests.support.fuzz import ENV
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer

PACKAGE = "telltale_generated_client"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    server = TelltaleServer(tmp_path_factory.mktemp("client") / "data", env=ENV).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def generated(up: TelltaleServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The generator's output; the client package is importable afterwards."""
    folder = tmp_path_factory.mktemp("generated")
    document = folder / "openapi.json"
    document.write_bytes(httpx.get(f"{up.url}/openapi.json").content)
    generator = str(Path(sys.executable).with_name("openapi-python-client"))
    command = [generator, "generate", "--path", str(document), "--meta", "none", "--output-path", str(folder / PACKAGE)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    sys.path.insert(0, str(folder))
    return out.stdout + out.stderr


def load(name: str) -> ModuleType:
    """A module of the generated package, by its dotted name inside it (it exists only after `generated`)."""
    return importlib.import_module(f"{PACKAGE}.{name}")


def client(up: TelltaleServer, key: str) -> object:
    """The generated client; an answer with a status code its document omits raises instead of passing as None."""
    return load("client").AuthenticatedClient(base_url=up.url, token=key, raise_on_unexpected_status=True)


def test_every_schema_of_the_document_becomes_a_class(generated: str) -> None:
    problems = [line for line in generated.splitlines() if line.startswith(("Unable", "Cannot", "Failure"))]
    unsupported = generated.count("Unsupported content type application/x-")  # NDJSON, protobuf: JSON is made
    assert problems == [] and generated.count("WARNING") == unsupported


def test_ingest_and_read_events(up: TelltaleServer, generated: str) -> None:
    models = load("models")
    post, get_one = (
        load("api.ingest.ingest_inference_v1_inference_post"),
        load("api.read.get_inference_v1_inference_event_id_get"),
    )
    event = inference(model="generated-client", usage={"input_tokens": 3, "output_tokens": 4})
    result = post.sync(client=client(up, INGEST_KEY), body=[models.InferenceEvent.from_dict(event)])
    assert isinstance(result, models.IngestResult) and (result.accepted, result.rejected) == (1, 0)
    old = models.InferenceEvent.from_dict(inference(ts="1969-01-01T00:00:00Z"))
    refused = post.sync(client=client(up, INGEST_KEY), body=[old])  # a 422 whose body is the per-item answer
    assert isinstance(refused, models.IngestResult) and refused.items[0].errors[0].field == "ts"
    detail = get_one.sync(event["event_id"], client=client(up, ADMIN_KEY))
    assert isinstance(detail, models.EventDetail) and detail.event.model == "generated-client"
    listed = load("api.read.list_inference_v1_inference_get").sync(
        client=client(up, ADMIN_KEY), model=["generated-client"]
    )
    assert [str(row.event_id) for row in listed.items] == [event["event_id"]]
    denied = get_one.sync(event["event_id"], client=client(up, INGEST_KEY))
    assert isinstance(denied, models.Problem) and "scope" in denied.detail


def test_alert_rules_keep_their_secret_masked(up: TelltaleServer, generated: str) -> None:
    models = load("models")
    channel = {"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": SECRET}
    spec = {"name": "errors", "metric": "error.rate", "comparator": ">", "threshold": 0.5, "enabled": False}
    create = load("api.alerts.create_rule_v1_alert_rules_post")
    made = create.sync(client=client(up, ADMIN_KEY), body=models.RuleSpec.from_dict({**spec, "channels": [channel]}))
    assert isinstance(made, models.Rule) and made.channels[0].secret == "**********"
    [listed] = load("api.alerts.list_rules_v1_alert_rules_get").sync(client=client(up, ADMIN_KEY))
    assert isinstance(listed.channels[0], models.WebhookChannelOutput) and listed.id == made.id
    refused = create.sync(client=client(up, ADMIN_KEY), body=models.RuleSpec.from_dict({**spec, "for": "soon"}))
    assert isinstance(refused, models.HTTPValidationError) and refused.detail[0].loc == ["body", "for"]


def test_datasets(up: TelltaleServer, generated: str) -> None:
    models = load("models")
    spec = models.DatasetSpec.from_dict({"name": "all calls", "query": {"start": "2020-01-01T00:00:00Z"}})
    made = load("api.datasets.create_dataset_v1_datasets_post").sync(client=client(up, ADMIN_KEY), body=spec)
    assert isinstance(made, models.Dataset) and made.name == "all calls"
    listed = load("api.datasets.list_datasets_v1_datasets_get").sync(client=client(up, ADMIN_KEY))
    assert [dataset.id for dataset in listed] == [made.id]
    version = load("api.datasets.freeze_version_v1_datasets_dataset_id_versions_post").sync(
        made.id, client=client(up, ADMIN_KEY)
    )
    assert isinstance(version, models.Version) and version.version == 1
    items = load("api.datasets.list_items_v1_datasets_dataset_id_versions_ref_items_get")
    page = items.sync(made.id, "1", client=client(up, ADMIN_KEY))
    assert isinstance(page, models.ItemPage) and len(page.items) == version.item_count
    missing = items.sync("ds_nope", "1", client=client(up, ADMIN_KEY))
    assert isinstance(missing, models.Problem)
