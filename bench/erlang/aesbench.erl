%% aes cluster bench: the Erlang/OTP distribution baseline (an echo process on one node, measured
%% from another over loopback). Run by bench/cluster.ts; prints one JSON object.
-module(aesbench).
-export([serve/0, measure/5]).

serve() ->
    register(aes_echo, self()),
    loop(0).

loop(Count) ->
    receive
        {post, _} -> loop(Count + 1);
        {count, From, Ref} -> From ! {Ref, Count}, loop(Count);
        {call, From, Ref, Msg} -> From ! {Ref, Msg}, loop(Count);
        stop -> ok
    end.

call(Server, Msg) ->
    Ref = make_ref(),
    Server ! {call, self(), Ref, Msg},
    receive {Ref, Reply} -> Reply after 10000 -> exit(call_timeout) end.

posts(Server, N, Payload, Already) ->
    [Server ! {post, Payload} || _ <- lists:seq(1, N)],
    wait_count(Server, Already + N).

wait_count(Server, Want) ->
    Ref = make_ref(),
    Server ! {count, self(), Ref},
    receive {Ref, C} when C >= Want -> ok; {Ref, _} -> timer:sleep(1), wait_count(Server, Want)
    after 10000 -> exit(count_timeout) end.

%% Calls per second over the wall time of the loop, as the Node side measures it.
sequential(Server, N, Payload) ->
    Start = erlang:monotonic_time(nanosecond),
    Lat = [begin T = erlang:monotonic_time(nanosecond), call(Server, Payload),
                 erlang:monotonic_time(nanosecond) - T end || _ <- lists:seq(1, N)],
    Total = erlang:monotonic_time(nanosecond) - Start,
    Sorted = lists:sort(Lat),
    {N * 1.0e9 / Total, lists:nth(max(1, N div 2), Sorted) / 1000, lists:nth(max(1, (N * 99) div 100), Sorted) / 1000}.

pipelined(Server, N, InFlight, Payload) ->
    Self = self(),
    Per = N div InFlight,
    T = erlang:monotonic_time(nanosecond),
    Pids = [spawn_link(fun() -> [call(Server, Payload) || _ <- lists:seq(1, Per)], Self ! {done, self()} end) || _ <- lists:seq(1, InFlight)],
    [receive {done, P} -> ok end || P <- Pids],
    (Per * InFlight) * 1.0e9 / (erlang:monotonic_time(nanosecond) - T).

%% Best of Rounds, as the Node side does.
measure(ServerNode, Posts, Seq, Pipe, Rounds) ->
    Server = {aes_echo, ServerNode},
    wait_server(ServerNode, 100),
    Payload = list_to_binary(lists:duplicate(16, $x)),
    posts(Server, 2000, Payload, 0),
    [call(Server, Payload) || _ <- lists:seq(1, 500)],
    Results = [begin
                   Before = count(Server),
                   T = erlang:monotonic_time(nanosecond),
                   posts(Server, Posts, Payload, Before),
                   PostRate = Posts * 1.0e9 / (erlang:monotonic_time(nanosecond) - T),
                   {SeqRate, P50, P99} = sequential(Server, Seq, Payload),
                   PipeRate = pipelined(Server, Pipe, 100, Payload),
                   {PostRate, SeqRate, P50, P99, PipeRate}
               end || _ <- lists:seq(1, Rounds)],
    BestPosts = lists:max([P || {P, _, _, _, _} <- Results]),
    {BestSeq, BestP50, BestP99} = lists:last(lists:keysort(1, [{S, A, B} || {_, S, A, B, _} <- Results])),
    BestPipe = lists:max([X || {_, _, _, _, X} <- Results]),
    Server ! stop,
    io:format("{\"posts_per_s\":~w,\"calls_per_s\":~w,\"call_p50_us\":~w,\"call_p99_us\":~w,\"pipelined_calls_per_s\":~w}~n",
              [round(BestPosts), round(BestSeq), round(BestP50), round(BestP99), round(BestPipe)]).

%% The server node starts beside us: wait until its echo process is registered.
wait_server(_, 0) -> exit(server_not_up);
wait_server(ServerNode, Tries) ->
    case net_kernel:connect_node(ServerNode) andalso is_pid(rpc:call(ServerNode, erlang, whereis, [aes_echo])) of
        true -> ok;
        false -> timer:sleep(100), wait_server(ServerNode, Tries - 1)
    end.

count(Server) ->
    Ref = make_ref(),
    Server ! {count, self(), Ref},
    receive {Ref, C} -> C after 10000 -> exit(count_timeout) end.
