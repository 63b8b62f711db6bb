"""A client for the taskres resolver service (`taskres serve`), standard library only.

    from taskres_client import TaskresClient, task_file

    client = TaskresClient("http://127.0.0.1:8080")  # token: token=, token_file= or $TASKRES_TOKEN
    resources = client.resolve("my_task", {"files": [task_file("s3://bucket/a.fq", size=2 * 1024**3)], "count": 3})
    # {'cpu': 1, 'memory': 8, 'storage': 3, 'gpu': 0}

Errors come back as TaskresError with the service's TASKRES_* code (RFC 9457 problem details).
Overload answers (429 and 503 with Retry-After) are retried a bounded number of times. What is
not an answer of the service (it cannot be reached, the connection broke, the answer is not
JSON) is a TaskresError too, with code TASKRES_UNREACHABLE or TASKRES_BAD_ANSWER and status 0:
a caller handles one exception type.

    python3 taskres_client.py http://127.0.0.1:8080 [--token-file FILE]   # or TASKRES_TOKEN=...
"""
from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Iterable, Mapping, Optional, Sequence

__all__ = ["TaskresClient", "TaskresError", "task_file"]

# Problem details longer than this are cut: the service never echoes much untrusted text, and a
# client should not either.
MAX_DETAIL_CHARS = 500


class TaskresError(Exception):
    """A problem answered by the service: `code` is the TASKRES_* code, `status` the HTTP status."""

    def __init__(self, status: int, code: str, title: str, detail: str,
                 task_name: Optional[str] = None, resource: Optional[str] = None,
                 retry_after_s: Optional[float] = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.task_name = task_name
        self.resource = resource
        self.retry_after_s = retry_after_s

    @classmethod
    def from_problem(cls, status: int, problem: Mapping[str, Any], retry_after_s: Optional[float] = None) -> "TaskresError":
        return cls(
            status=status,
            code=str(problem.get("code") or f"HTTP_{status}"),
            title=str(problem.get("title") or ""),
            detail=str(problem.get("detail") or "")[:MAX_DETAIL_CHARS],
            task_name=problem.get("taskName"),
            resource=problem.get("resource"),
            retry_after_s=retry_after_s,
        )


def task_file(uri: str, size: Optional[int] = None) -> dict:
    """A file argument. With `size` (bytes) the service never looks the file up; without it the
    path must lie under the service's --files-root."""
    if size is None:
        return {"$file": uri}
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"size must be a whole number of bytes >= 0, received {size!r}")
    return {"$file": uri, "size": size}


class TaskresClient:
    """Calls one taskres service. Thread-safe: every call opens its own connection."""

    def __init__(self, base_url: str, token: Optional[str] = None, timeout_s: float = 30.0,
                 max_retries: int = 3, max_retry_wait_s: float = 5.0, token_file: Optional[str] = None) -> None:
        """`token` is the bearer token of a service started with --token-file; without it, the
        first line of `token_file`, else the TASKRES_TOKEN environment variable, else none."""
        self.base_url = base_url.rstrip("/")
        if token is None and token_file is not None:
            token = read_token_file(token_file)
        if token is None:
            token = os.environ.get("TASKRES_TOKEN") or None
        self.token = token.strip() if token is not None else None
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.max_retry_wait_s = max_retry_wait_s

    # -- the API --------------------------------------------------------------------------------

    def resolve(self, task: Any, args: Mapping[str, Any], attempt: Optional[int] = None,
                previous: Optional[Mapping[str, Any]] = None) -> dict:
        """The resources for one task: `task` is the name of a task the service loaded, or a spec
        (the defineTask JSON shape). Raises TaskresError on any problem."""
        return self._post("/v1/resolve", _request(task, args, attempt, previous))["resources"]

    def resolve_many(self, items: Iterable[Mapping[str, Any]]) -> list:
        """Each item is {"task", "args", "attempt"?, "previous"?}. Returns outcomes in input order:
        {"status": "fulfilled", "resources": {...}} or {"status": "rejected", "error": {...}}."""
        return self._post("/v1/resolve-many", {"items": list(items)})["outcomes"]

    def check(self, spec: Any) -> dict:
        """Checks a spec (or a list of specs) without running anything: {"ok", "problems", "omitted"}
        (at most 30 problems are listed per spec; "omitted" counts the rest)."""
        return self._post("/v1/check", {"spec": spec})

    def tasks(self) -> list:
        """The task specs the service was started with."""
        return self._get("/v1/tasks")["tasks"]

    def healthy(self) -> bool:
        return self._status("/healthz") == 200

    def ready(self) -> bool:
        return self._status("/readyz") == 200

    # -- HTTP -----------------------------------------------------------------------------------

    def _get(self, path: str) -> Any:
        return self._call("GET", path, None)

    def _post(self, path: str, body: Any) -> Any:
        return self._call("POST", path, json.dumps(body, separators=(",", ":")).encode("utf-8"))

    def _status(self, path: str) -> int:
        """The status of a probe; 0 when the service cannot be reached."""
        try:
            with urllib.request.urlopen(self._request("GET", path, None), timeout=self.timeout_s) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, OSError):
            return 0

    def _request(self, method: str, path: str, data: Optional[bytes]) -> urllib.request.Request:
        headers = {"accept": "application/json, application/problem+json"}
        if data is not None:
            headers["content-type"] = "application/json"
        if self.token is not None:
            headers["authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)

    def _call(self, method: str, path: str, data: Optional[bytes]) -> Any:
        attempt = 0
        while True:
            try:
                with urllib.request.urlopen(self._request(method, path, data), timeout=self.timeout_s) as response:
                    text = response.read()
                try:
                    return json.loads(text)
                except ValueError:
                    raise TaskresError(0, "TASKRES_BAD_ANSWER", "Bad answer",
                                       f"{method} {path} answered {response.status} with a body that is not JSON; is {self.base_url} a taskres service?") from None
            except urllib.error.HTTPError as error:
                problem = _read_problem(error)
                retry_after_s = _retry_after_s(error.headers.get("retry-after"))
                if error.code in (429, 503) and retry_after_s is not None and attempt < self.max_retries:
                    attempt += 1
                    time.sleep(min(retry_after_s, self.max_retry_wait_s))
                    continue
                raise TaskresError.from_problem(error.code, problem, retry_after_s) from None
            except (urllib.error.URLError, OSError) as error:
                # Not an answer: refused, reset, broken pipe, timed out, a bad address.
                reason = getattr(error, "reason", error)
                kind = "timed out" if isinstance(reason, socket.timeout) else str(reason)[:200]
                raise TaskresError(0, "TASKRES_UNREACHABLE", "Service unreachable",
                                   f"{method} {self.base_url}{path} got no answer ({kind}); check the URL and that the service runs.") from None


def read_token_file(path: str) -> str:
    """The token in `path`: its first non-empty line, without surrounding whitespace."""
    with open(path, encoding="utf-8") as file:
        for line in file:
            if line.strip():
                return line.strip()
    raise ValueError(f"{path} holds no token; write the bearer token on its first line")


def _request(task: Any, args: Mapping[str, Any], attempt: Optional[int], previous: Optional[Mapping[str, Any]]) -> dict:
    body: dict = {"task": task, "args": dict(args)}
    if attempt is not None:
        body["attempt"] = attempt
    if previous is not None:
        body["previous"] = dict(previous)
    return body


def _read_problem(error: urllib.error.HTTPError) -> Mapping[str, Any]:
    try:
        problem = json.loads(error.read() or b"{}")
    except ValueError:
        return {}
    return problem if isinstance(problem, dict) else {}


def _retry_after_s(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _main(argv: Sequence[str]) -> int:
    """`python3 taskres_client.py URL [--token-file FILE]`: resolves the seed examples against a
    running service (the token also from $TASKRES_TOKEN). Exit 1 with one line for any problem."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="taskres_client.py", description="Resolve the seed examples against a running taskres serve.")
    parser.add_argument("url", help="the service, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token-file", help="file whose first line is the bearer token (default: $TASKRES_TOKEN)")
    options = parser.parse_args(argv)
    try:
        client = TaskresClient(options.url, token_file=options.token_file)
        return _examples(client)
    except TaskresError as error:
        print(f"error: {error} (HTTP {error.status})" if error.status else f"error: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _examples(client: TaskresClient) -> int:
    """Prints what the seed tasks resolve to, as the README shows."""
    gib = 1024**3
    files = [task_file("s3://bucket/sample-1.fq", size=2 * gib), task_file("s3://bucket/sample-2.fq", size=3 * gib)]
    print("tasks:", ", ".join(spec["name"] for spec in client.tasks()))
    print("my_task:", json.dumps(client.resolve("my_task", {"files": files, "count": 3})))
    outcomes = client.resolve_many([
        {"task": "sort_reads", "args": {"reads": files[0]}},
        {"task": {"name": "inline", "params": ["n"], "resources": {"cpu": "({ n }) => n * 2", "memory": 4}}, "args": {"n": 3}},
    ])
    for outcome in outcomes:
        print("outcome:", json.dumps(outcome))
    try:
        client.resolve({"name": "endless", "params": [], "resources": {"cpu": "() => { for (;;) {} }", "memory": 1}}, {})
    except TaskresError as error:
        print(f"endless: {error.code} (HTTP {error.status})")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
