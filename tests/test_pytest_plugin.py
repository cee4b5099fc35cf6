"""The pytest plugin, exercised in fresh pytest runs with ``pytester``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_fixture_works_in_a_fresh_test_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os
        import fashn
        import httpx

        def test_sdk_from_environment(fashn_mock):
            assert os.environ["FASHN_BASE_URL"] == fashn_mock.base_url
            client = fashn.Fashn()  # reads FASHN_BASE_URL and FASHN_API_KEY
            result = client.predictions.subscribe(
                model_name="tryon-v1.6", poll_interval=10,
                inputs={"model_image": "https://x/a.png", "garment_image": "https://x/b.png"})
            assert result.status == "completed" and result.credits_used == 1
            fashn_mock.journal().assert_called(model_name="tryon-v1.6", times=1)
            assert len(fashn_mock.predictions()) == 1
            assert httpx.get(result.output[0]).headers["content-type"] == "image/png"

        def test_in_process_sdk_and_steering(fashn_mock):
            client = fashn.Fashn(api_key=fashn_mock.api_key, base_url=fashn_mock.base_url,
                                 http_client=fashn_mock.httpx_client())
            fashn_mock.fail_next("PoseError", model="tryon-v1.6")
            failed = client.predictions.subscribe(
                model_name="tryon-v1.6", poll_interval=10,
                inputs={"model_image": "https://x/a.png", "garment_image": "https://x/b.png"})
            assert failed.status == "failed" and failed.error.name == "PoseError"
            fashn_mock.set_credits(0)
            try:
                client.with_options(max_retries=0).predictions.run(
                    model_name="edit", inputs={"image": "https://x/a.png", "prompt": "p"})
            except fashn.RateLimitError as error:
                assert error.body["error"] == "OutOfCredits"
            else:
                raise AssertionError("expected OutOfCredits")
            fashn_mock.journal().assert_not_called(model_name="background-remove")

        def test_state_does_not_leak_between_tests(fashn_mock):
            assert fashn_mock.predictions() == []
            assert fashn_mock.credits().total == 1_000_000_000
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_marker_configures_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        BODY = {"model_name": "tryon-v1.6",
                "inputs": {"model_image": "https://x/a.png", "garment_image": "https://x/b.png",
                           "mode": "quality"}}

        @pytest.mark.fashn_mock(time_scale=1, credits=3)
        def test_manual_clock(fashn_mock):
            with fashn_mock.httpx_client() as client:
                prediction_id = client.post("/v1/run", json=BODY).json()["id"]
                assert client.get(f"/v1/status/{prediction_id}").json()["status"] == "starting"
                fashn_mock.advance(1.5)
                assert client.get(f"/v1/status/{prediction_id}").json()["status"] == "in_queue"
                fashn_mock.run_until_done()
                done = client.get(f"/v1/status/{prediction_id}")
                assert done.json()["status"] == "completed"
                assert client.get("/v1/credits").json()["credits"]["total"] == 2

        @pytest.mark.fashn_mock(limits=True, concurrency=1, time_scale=1)
        def test_concurrency(fashn_mock):
            with fashn_mock.httpx_client() as client:
                assert client.post("/v1/run", json=BODY).status_code == 200
                assert client.post("/v1/run", json=BODY).json()["error"] == \\
                    "ConcurrencyLimitExceeded"

        @pytest.mark.fashn_mock(nonsense=1)
        def test_unknown_option(fashn_mock):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*unknown*nonsense*"])


def test_isolation_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(**{f"test_worker_{n}": f"""
        import httpx
        import pytest

        @pytest.mark.parametrize("i", range(6))
        def test_isolated_{n}(fashn_mock, i):
            with httpx.Client(base_url=fashn_mock.base_url, headers=fashn_mock.headers) as c:
                body = {{"model_name": "background-remove",
                         "inputs": {{"image": "https://x/{n}-{{i}}.png"}}}}
                prediction_id = c.post("/v1/run", json=body).json()["id"]
                assert c.get(f"/v1/status/{{prediction_id}}").json()["status"] == "completed"
            assert [p.id for p in fashn_mock.predictions()] == [prediction_id]
            assert len(fashn_mock.journal()) == 2
    """ for n in range(2)})
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=12)


def test_emulator_as_context_manager_and_decorator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os
        import unittest

        import fashn
        from fashn_mock import Emulator

        class UsesEmulator(unittest.TestCase):
            def test_context_manager(self):
                with Emulator(time_scale=0) as emulator:
                    assert os.environ["FASHN_BASE_URL"] == emulator.base_url
                    result = fashn.Fashn().predictions.subscribe(
                        model_name="background-remove", poll_interval=10,
                        inputs={"image": "https://x/a.png"})
                    assert result.status == "completed"
                    assert emulator.predictions()[0].model == "background-remove"
                assert "FASHN_BASE_URL" not in os.environ

            @Emulator(time_scale=0, api_key="fa-decorated")
            def test_decorator(self):
                assert os.environ["FASHN_API_KEY"] == "fa-decorated"
                run = fashn.Fashn().predictions.run(
                    model_name="edit", inputs={"image": "https://x/a.png", "prompt": "p"})
                assert run.id
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_strict_mode_fails_a_test_that_sends_a_bad_enum(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_bad_enum(fashn_mock):
            with httpx.Client(base_url=fashn_mock.base_url, headers=fashn_mock.headers) as c:
                body = {"model_name": "tryon-v1.6",
                        "inputs": {"model_image": "https://x/a.png",
                                   "garment_image": "https://x/b.png", "mode": "fast"}}
                assert c.post("/v1/run", json=body).status_code == 400

        def test_good_request(fashn_mock):
            with httpx.Client(base_url=fashn_mock.base_url, headers=fashn_mock.headers) as c:
                body = {"model_name": "background-remove",
                        "inputs": {"image": "https://x/a.png"}}
                assert c.post("/v1/run", json=body).status_code == 200
            assert fashn_mock.violations() == []
    """)
    relaxed = pytester.runpytest("-p", "no:cacheprovider")
    relaxed.assert_outcomes(passed=2)
    strict = pytester.runpytest("-p", "no:cacheprovider", "--fashn-mock-strict")
    strict.assert_outcomes(passed=2, errors=1)
    strict.stdout.fnmatch_lines(["*violated the FASHN contract*", "*inputs.mode*"])


def test_network_faults_through_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx
        import pytest

        BODY = {"model_name": "tryon-v1.6",
                "inputs": {"model_image": "https://x/a.png", "garment_image": "https://x/b.png"}}

        def test_network_next_is_scoped_to_the_test_key(fashn_mock):
            rule = fashn_mock.network_next("lost-response", path="/v1/run")
            assert rule.key == fashn_mock.api_key
            with fashn_mock.httpx_client() as client:
                with pytest.raises(httpx.ReadError):
                    client.post("/v1/run", json=BODY)
                client.post("/v1/run", json=BODY)
            assert len(fashn_mock.predictions()) == 2
            assert fashn_mock.behaviour().of_kind("double-submit")

        @pytest.mark.fashn_mock(network_chaos={"empty": 1})
        def test_marker_chaos(fashn_mock):
            with pytest.raises(httpx.RemoteProtocolError):
                httpx.get(fashn_mock.base_url + "/v1/credits", headers=fashn_mock.headers)
            assert fashn_mock.set_chaos(network={}).network == {}
            assert httpx.get(fashn_mock.base_url + "/v1/credits",
                             headers=fashn_mock.headers).status_code == 200
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_marker_api_keys_are_the_exported_key(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os
        import fashn
        import pytest

        @pytest.mark.fashn_mock(api_keys=["fa-allowed", "fa-other"])
        def test_code_under_test_is_not_refused(fashn_mock):
            assert os.environ["FASHN_API_KEY"] == fashn_mock.api_key == "fa-allowed"
            result = fashn.Fashn().predictions.subscribe(  # reads FASHN_API_KEY
                model_name="background-remove", poll_interval=10,
                inputs={"image": "https://x/a.png"})
            assert result.status == "completed"
            assert [p.key for p in fashn_mock.predictions()] == ["fa-allowed"]

        @pytest.mark.fashn_mock(api_keys="fa-single")
        def test_a_single_key(fashn_mock):
            assert fashn_mock.api_key == "fa-single"
            with fashn_mock.httpx_client() as client:
                assert client.get("/v1/credits").status_code == 200
                assert client.get("/v1/credits",
                                  headers={"Authorization": "Bearer x"}).status_code == 401
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_marker_takes_every_config_setting(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.fashn_mock(max_body_bytes=100, public_url="http://cdn.example",
                                fetch_inputs=False, media_cache_bytes=0, journal_size=5)
        def test_settings(fashn_mock):
            config = fashn_mock.emulator.config
            assert config.max_body_bytes == 100 and config.public_url == "http://cdn.example"
            with fashn_mock.httpx_client() as client:
                assert client.post("/v1/run", content=b"x" * 200).status_code == 413

        @pytest.mark.fashn_mock(time_scael=1)
        def test_a_typo(fashn_mock):
            pass

        @pytest.mark.fashn_mock(time_scale=-1)
        def test_a_bad_value(fashn_mock):
            pass

        @pytest.mark.fashn_mock(0)
        def test_a_positional(fashn_mock):
            pass
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=3)
    result.stdout.fnmatch_lines(["*unknown ?'time_scael'?; the settings are *time_scale*",
                                 "@pytest.mark.fashn_mock: time_scale must be *",
                                 "*takes settings by name*"])
    assert "Traceback" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()


def test_the_server_fixture_alone_serves_a_default_emulator(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        BODY = {"model_name": "background-remove", "inputs": {"image": "https://x/a.png"}}

        def test_url_only_code(fashn_mock_server):
            assert fashn_mock_server.base_url == fashn_mock_server.url
            assert fashn_mock_server.base_url.startswith("http://127.0.0.1:")
            with httpx.Client(base_url=fashn_mock_server.base_url,
                              headers={"Authorization": "Bearer k"}) as client:
                prediction_id = client.post("/v1/run", json=BODY).json()["id"]
                status = client.get(f"/v1/status/{prediction_id}").json()["status"]
            assert status == "completed"  # time_scale=0

        def test_a_fashn_mock_test_borrows_the_server(fashn_mock, fashn_mock_server):
            assert fashn_mock.base_url == fashn_mock_server.base_url
            assert fashn_mock.predictions() == []  # its own emulator, not the default

        def test_and_gives_it_back(fashn_mock_server):
            with httpx.Client(base_url=fashn_mock_server.base_url) as client:
                answer = client.get("/_mock/predictions")
            assert [p["key"] for p in answer.json()["predictions"]] == ["k"]
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_shared_store_holds_each_tests_state(pytester: pytest.Pytester,
                                                 redis_url: str) -> None:
    pytester.makepyfile("""
        import httpx

        RUN = {"model_name": "tryon-v1.6",
               "inputs": {"model_image": "https://x/a.png", "garment_image": "https://x/b.png"}}

        def test_submits(fashn_mock):
            answer = httpx.post(fashn_mock.base_url + "/v1/run", json=RUN,
                                headers={"Authorization": "Bearer " + fashn_mock.api_key})
            assert answer.status_code == 200
            assert fashn_mock.engine.store.shared
            open("submitted.txt", "w").write(answer.json()["id"])

        def test_starts_afresh(fashn_mock):
            assert fashn_mock.predictions() == []
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly",
                                f"--fashn-mock-store={redis_url}",
                                "--fashn-mock-store-prefix=plugin-test")
    result.assert_outcomes(passed=2)
    gone = pytester.runpytest("-p", "no:cacheprovider",
                              "--fashn-mock-store=redis://127.0.0.1:1/0")
    gone.assert_outcomes(errors=2)
    gone.stdout.fnmatch_lines(["fashn-mock: the store at redis://127.0.0.1:1/0 cannot be used*"])


def test_the_marker_names_a_store_too(pytester: pytest.Pytester, redis_url: str) -> None:
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.fashn_mock(store="{redis_url}", store_prefix="marked")
        def test_on_the_store(fashn_mock):
            assert fashn_mock.engine.store.prefix == "marked"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
