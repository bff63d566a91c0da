from hubdeploy.deploy import Hub, http  # type: ignore[import-not-found]


def test_hub_up(hub: Hub) -> None:
    token = hub.user_token("alice")
    status, data = http("GET", f"{hub.server_url('alice')}itbridge/api/health", token)
    assert status == 200, (status, data, hub.log_tail())
    print(data)
