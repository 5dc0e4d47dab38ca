"""coach's dashboard: `streamlit run app.py`. The router only; the pages live in coach/dashboard/."""

import streamlit as st

from coach.dashboard import pages

st.set_page_config(page_title="coach", page_icon=":material/record_voice_over:", layout="wide")
st.navigation(pages()).run()
