def test_it_signs_in_and_shows_the_home_page(
    page, live_server, sign_in, practitioner, assert_accessible
):
    sign_in(practitioner)
    assert page.get_by_role("heading", name="Information sharing decisions").is_visible()
    assert_accessible()
