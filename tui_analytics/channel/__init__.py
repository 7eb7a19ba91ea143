"""The channel between processes that share a state database: this process's end of it.

A service beside the processor and the reports service (channel/service.py): it tells the
other processes what happens here, follows what happens there, runs the commands they post
when this process schedules, and posts commands and waits for their answers when it does not.
The composition root builds it; the tables it reads and writes are in data/state/.
"""
