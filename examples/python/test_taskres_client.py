"""Runs the client against a live `taskres serve --tasks examples/seed-tasks.json` at $TASKRES_URL.

    TASKRES_URL=http://127.0.0.1:8080 python3 -m unittest examples/python/test_taskres_client.py

test/python-client.test.ts starts the real server and runs this in CI.
"""
import os
import unittest

from taskres_client import TaskresClient, TaskresError, task_file

GIB = 1024**3


class ClientAgainstLiveService(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        url = os.environ.get("TASKRES_URL")
        if not url:
            raise RuntimeError("set TASKRES_URL to a running `taskres serve --tasks examples/seed-tasks.json`")
        cls.client = TaskresClient(url)

    def test_health_and_readiness(self) -> None:
        self.assertTrue(self.client.healthy())
        self.assertTrue(self.client.ready())

    def test_lists_the_loaded_tasks(self) -> None:
        names = [spec["name"] for spec in self.client.tasks()]
        self.assertIn("my_task", names)

    def test_resolves_a_loaded_task_with_sized_files(self) -> None:
        files = [task_file("s3://bucket/a.fq", size=2 * GIB), task_file("s3://bucket/b.fq", size=2 * GIB)]
        resources = self.client.resolve("my_task", {"files": files, "count": 3})
        self.assertEqual(resources, {"cpu": 2, "memory": 8, "storage": 6, "gpu": 0})

    def test_resolves_an_inline_spec(self) -> None:
        spec = {"name": "inline", "params": ["n"], "resources": {"cpu": "({ n }) => n * 2", "memory": 4}}
        self.assertEqual(self.client.resolve(spec, {"n": 3})["cpu"], 6)

    def test_resolve_many_keeps_order_and_settles_each(self) -> None:
        outcomes = self.client.resolve_many([
            {"task": "sort_reads", "args": {"reads": task_file("s3://r.fq", size=1)}},
            {"task": {"name": "bad", "params": [], "resources": {"cpu": "() => 2.5", "memory": 1}}, "args": {}},
        ])
        self.assertEqual(outcomes[0]["status"], "fulfilled")
        self.assertEqual(outcomes[0]["resources"]["cpu"], 4)
        self.assertEqual(outcomes[1]["status"], "rejected")
        self.assertEqual(outcomes[1]["error"]["code"], "TASKRES_INVALID_VALUE")

    def test_an_endless_function_is_a_timeout_problem(self) -> None:
        spec = {"name": "endless", "params": [], "resources": {"cpu": "() => { for (;;) {} }", "memory": 1}}
        with self.assertRaises(TaskresError) as caught:
            self.client.resolve(spec, {})
        self.assertEqual((caught.exception.status, caught.exception.code), (422, "TASKRES_TIMEOUT"))

    def test_bad_args_are_a_400_naming_the_code(self) -> None:
        with self.assertRaises(TaskresError) as caught:
            self.client.resolve("my_task", {"files": []})
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "TASKRES_INVALID_ARGS"))

    def test_a_path_without_size_is_refused_without_a_files_root(self) -> None:
        with self.assertRaises(TaskresError) as caught:
            self.client.resolve("sort_reads", {"reads": task_file("/etc/shadow")})
        self.assertEqual(caught.exception.status, 400)

    def test_check_reports_problems(self) -> None:
        report = self.client.check({"name": "t", "params": ["a"], "resources": {"cpu": "({ b }) => 1", "memory": 1}})
        self.assertFalse(report["ok"])
        self.assertEqual(report["problems"][0]["code"], "TASKRES_SIGNATURE")

    def test_task_file_refuses_a_bad_size(self) -> None:
        with self.assertRaises(ValueError):
            task_file("x", size=-1)


if __name__ == "__main__":
    unittest.main()
