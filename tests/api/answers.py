"""What every API test asks of a refusal: the status, the problem+json type and RFC 9457's members."""

PROBLEM = "application/problem+json"


def problem_answer(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body
