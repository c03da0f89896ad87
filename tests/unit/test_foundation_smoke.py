from tests.support.api import ApiClient


def test_health_is_public(stack):
    answer = ApiClient().get("/health")
    assert answer.status == 200
    assert answer.json["status"] == "ok"


def test_unknown_token_is_401_in_api_shape(stack):
    token = stack.container.tokens.create("acme")
    assert ApiClient(token=token).get("/health").status == 200
