def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/docs/" in response.json()["detail"]
