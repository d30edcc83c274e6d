"""The library generated interfaces run on: sessions, request algorithms, one backend class per DBMS."""
